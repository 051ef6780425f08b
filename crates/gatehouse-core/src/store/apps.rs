//! Applications, their service principals and secrets, and app-role assignments.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{AppRoleAssignment, Application, ClientSecret, ServicePrincipal};

#[async_trait]
pub trait AppStore: Send + Sync {
    /// Creates an application and its service principal in one transaction.
    async fn create_application(&self, app: &Application, sp: &ServicePrincipal) -> StoreResult<()>;
    async fn application_by_app_id(&self, tenant_id: &str, app_id: &str) -> StoreResult<Option<Application>>;
    /// By object id.
    async fn application_by_id(&self, id: &str) -> StoreResult<Option<Application>>;
    /// The application whose `identifier_uris` contains `uri` exactly.
    async fn application_by_identifier_uri(&self, tenant_id: &str, uri: &str) -> StoreResult<Option<Application>>;
    async fn list_applications(&self, tenant_id: &str) -> StoreResult<Vec<Application>>;
    async fn update_application(&self, app: &Application) -> StoreResult<()>;
    /// Deletes the application, its service principal, secrets and role assignments.
    async fn delete_application(&self, tenant_id: &str, app_id: &str) -> StoreResult<bool>;
    async fn service_principal_by_app_id(&self, tenant_id: &str, app_id: &str)
        -> StoreResult<Option<ServicePrincipal>>;
    /// By object id, in a tenant.
    async fn service_principal_by_id(&self, tenant_id: &str, id: &str) -> StoreResult<Option<ServicePrincipal>>;
    async fn list_service_principals(&self, tenant_id: &str) -> StoreResult<Vec<ServicePrincipal>>;
    /// The service principal of an application that has none (Graph's `POST /servicePrincipals`);
    /// `Conflict` if it has one.
    async fn create_service_principal(&self, sp: &ServicePrincipal) -> StoreResult<()>;
    /// Deletes a service principal (its application stays) and the app-role assignments it
    /// holds; `false` if there was none.
    async fn delete_service_principal(&self, tenant_id: &str, id: &str) -> StoreResult<bool>;

    async fn add_secret(&self, tenant_id: &str, secret: &ClientSecret) -> StoreResult<()>;
    async fn list_secrets(&self, application_id: &str) -> StoreResult<Vec<ClientSecret>>;
    async fn remove_secret(&self, tenant_id: &str, application_id: &str, key_id: &str) -> StoreResult<bool>;

    async fn add_role_assignment(&self, assignment: &AppRoleAssignment) -> StoreResult<()>;
    /// Role assignments held by `principal_id` on the resource application `resource_id`.
    async fn role_assignments(&self, principal_id: &str, resource_id: &str) -> StoreResult<Vec<AppRoleAssignment>>;
    async fn remove_role_assignment(&self, tenant_id: &str, id: &str) -> StoreResult<bool>;
}
