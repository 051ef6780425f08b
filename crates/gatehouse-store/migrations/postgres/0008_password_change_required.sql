-- A user whose next password sign-in must set a new password (the first start's administrator,
-- 'gatehouse user create|update --force-change-password-next-sign-in').
ALTER TABLE users ADD COLUMN password_change_required BOOLEAN NOT NULL DEFAULT FALSE;
