ALTER TABLE "messaging_settings" ADD COLUMN "smtp" jsonb;--> statement-breakpoint
ALTER TABLE "messaging_settings" ADD COLUMN "smtp_password" text;