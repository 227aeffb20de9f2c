ALTER TABLE "usage_records" ADD COLUMN "properties" jsonb;--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "late" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "billed_late_in" text;