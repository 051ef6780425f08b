//! Subscriptions and resource groups: `gatehouse subscription create|list|show|delete`, and what
//! the ARM front door does with them (checked against RBAC by the caller of these methods).

use super::Admin;
use crate::error::{Error, Object};
use crate::model::{new_guid, now, ResourceGroup, Subscription, Tenant};
use crate::store::StoreError;

/// Longest resource-group name ARM accepts.
pub const MAX_GROUP_NAME: usize = 90;
/// Most tags a resource group may carry, and the longest tag name and value (ARM's limits).
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_NAME: usize = 512;
pub const MAX_TAG_VALUE: usize = 256;

/// ARM's resource-group name rule: 1 to 90 letters, digits, `_`, `(`, `)`, `-` and `.`, not
/// ending with `.`.
pub fn validate_group_name(name: &str) -> Result<(), Error> {
    let chars_ok = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '(' | ')' | '-' | '.'));
    let len = name.chars().count();
    if (1..=MAX_GROUP_NAME).contains(&len) && chars_ok && !name.ends_with('.') {
        Ok(())
    } else {
        Err(Error::InvalidName {
            object: Object::ResourceGroup,
            name: name.to_owned(),
            rule: "Resource group names only allow up to 90 characters and can only include alphanumeric, underscore, parentheses, hyphen, period (except at end), and Unicode characters that match the allowed characters.",
        })
    }
}

/// A location as ARM stores it: `West Europe` → `westeurope`.
pub fn normalize_location(location: &str) -> Result<String, Error> {
    let l: String = location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if l.is_empty() {
        return Err(Error::MissingParameter("location"));
    }
    if l.len() > 64 || !l.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::Invalid(format!(
            "The location '{location}' is not valid: use a region name of letters and digits, such as 'westeurope'."
        )));
    }
    Ok(l)
}

/// Tags within ARM's limits, sorted by name; names compare case-insensitively (one wins).
pub fn validate_tags(tags: Vec<(String, String)>) -> Result<Vec<(String, String)>, Error> {
    if tags.len() > MAX_TAGS {
        return Err(Error::Invalid(format!(
            "A resource group can have at most {MAX_TAGS} tags; {} were given.",
            tags.len()
        )));
    }
    let mut out: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for (name, value) in tags {
        if name.is_empty() || name.chars().count() > MAX_TAG_NAME || name.contains(['<', '>', '%', '&', '\\', '?', '/'])
        {
            return Err(Error::Invalid(format!(
                "The tag name '{name}' is not valid: use 1 to {MAX_TAG_NAME} characters without < > % & \\ ? /."
            )));
        }
        if value.chars().count() > MAX_TAG_VALUE {
            return Err(Error::Invalid(format!(
                "The value of tag '{name}' is longer than {MAX_TAG_VALUE} characters."
            )));
        }
        out.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        out.push((name, value));
    }
    out.sort_by_key(|(n, _)| n.to_lowercase());
    Ok(out)
}

fn validate_display_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::Invalid(
            "A subscription's display name must have 1 to 64 characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

/// What a resource group is written with (ARM's PUT body).
#[derive(Debug, Clone, Default)]
pub struct GroupWrite {
    pub location: String,
    pub tags: Vec<(String, String)>,
    pub managed_by: Option<String>,
}

impl Admin {
    /// A new subscription of `tenant` (`id` a GUID of the caller's choosing, or a new one).
    pub async fn create_subscription(
        &self,
        tenant: &Tenant,
        display_name: &str,
        id: Option<&str>,
    ) -> Result<Subscription, Error> {
        let display_name = validate_display_name(display_name)?;
        let id = match id {
            Some(id) => uuid::Uuid::parse_str(id)
                .map_err(|_| Error::Invalid(format!("The subscription id '{id}' is not a GUID.")))?
                .to_string(),
            None => new_guid(),
        };
        let s = Subscription {
            id,
            tenant_id: tenant.id.clone(),
            display_name,
            created_at: now(),
        };
        match self.store.create_subscription(&s).await {
            Ok(()) => Ok(s),
            Err(StoreError::Conflict(_)) => Err(Error::Conflict {
                object: Object::Subscription,
                name: s.id,
            }),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn subscriptions(&self, tenant: &Tenant) -> Result<Vec<Subscription>, Error> {
        Ok(self.store.list_subscriptions(&tenant.id).await?)
    }

    /// A subscription of `tenant` by id or display name (case-insensitive).
    pub async fn subscription(&self, tenant: &Tenant, which: &str) -> Result<Subscription, Error> {
        let not_found = || Error::NotFound {
            object: Object::Subscription,
            name: which.to_owned(),
        };
        if let Some(s) = self.store.subscription(&which.to_ascii_lowercase()).await? {
            return if s.tenant_id == tenant.id {
                Ok(s)
            } else {
                Err(not_found())
            };
        }
        let mut named: Vec<Subscription> = self
            .subscriptions(tenant)
            .await?
            .into_iter()
            .filter(|s| s.display_name.eq_ignore_ascii_case(which))
            .collect();
        match named.len() {
            0 => Err(not_found()),
            1 => Ok(named.remove(0)),
            _ => Err(Error::Ambiguous {
                object: Object::Subscription,
                name: which.to_owned(),
            }),
        }
    }

    /// Deletes a subscription with its resource groups and role assignments.
    pub async fn delete_subscription(&self, tenant: &Tenant, which: &str) -> Result<Subscription, Error> {
        let s = self.subscription(tenant, which).await?;
        if !self.store.delete_subscription(&tenant.id, &s.id).await? {
            return Err(Error::NotFound {
                object: Object::Subscription,
                name: which.to_owned(),
            });
        }
        Ok(s)
    }

    /// Creates or updates a resource group; `true` when it was created. The name keeps the
    /// case it was first created with.
    pub async fn put_resource_group(
        &self,
        subscription: &Subscription,
        name: &str,
        write: GroupWrite,
    ) -> Result<(ResourceGroup, bool), Error> {
        validate_group_name(name)?;
        let location = normalize_location(&write.location)?;
        let tags = validate_tags(write.tags)?;
        let key = name.to_lowercase();
        let existing = self.store.resource_group(&subscription.id, &key).await?;
        if let Some(old) = &existing {
            if old.location != location {
                return Err(Error::Invalid(format!(
                    "Invalid resource group location '{location}'. The Resource group already exists in location '{}'.",
                    old.location
                )));
            }
        }
        let rg = ResourceGroup {
            subscription_id: subscription.id.clone(),
            name: existing.as_ref().map_or_else(|| name.to_owned(), |o| o.name.clone()),
            key,
            location,
            tags,
            managed_by: write.managed_by,
            created_at: existing.as_ref().map_or_else(now, |o| o.created_at),
        };
        let created = self.store.put_resource_group(&rg).await?;
        Ok((rg, created))
    }

    pub async fn resource_group(&self, subscription: &Subscription, name: &str) -> Result<ResourceGroup, Error> {
        self.store
            .resource_group(&subscription.id, &name.to_lowercase())
            .await?
            .ok_or_else(|| Error::NotFound {
                object: Object::ResourceGroup,
                name: name.to_owned(),
            })
    }

    /// A page of resource groups after the key `after`, in name order.
    pub async fn resource_groups(
        &self,
        subscription: &Subscription,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ResourceGroup>, Error> {
        Ok(self
            .store
            .list_resource_groups(&subscription.id, after, limit.clamp(1, 1000))
            .await?)
    }

    /// Deletes a resource group and the role assignments at its scope.
    pub async fn delete_resource_group(&self, subscription: &Subscription, name: &str) -> Result<(), Error> {
        if self
            .store
            .delete_resource_group(&subscription.id, &name.to_lowercase())
            .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound {
                object: Object::ResourceGroup,
                name: name.to_owned(),
            })
        }
    }
}
