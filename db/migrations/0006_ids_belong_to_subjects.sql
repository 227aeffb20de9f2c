-- Job, invoice, payment, task and invoice-line rows belong to their customer (or contract): two
-- customers of one tenant may both have a job-1, an inv-job-1 and a payment event pay-1.
-- Written by hand after drizzle-kit generate: the new subject columns are filled from the invoice
-- each line or payment belongs to before they become NOT NULL and part of the keys. (Lines and
-- payments were always written in one transaction with their invoice; a row without one would
-- stop this migration at SET NOT NULL rather than be dropped.)
ALTER TABLE "invoice_lines" ADD COLUMN "subject_type" text;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD COLUMN "subject_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "subject_type" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "subject_id" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "workflow_id" text;--> statement-breakpoint
UPDATE "invoice_lines" l SET "subject_type" = i."subject_type", "subject_id" = i."subject_id" FROM "invoices" i WHERE i."tenant_id" = l."tenant_id" AND i."id" = l."invoice_id";--> statement-breakpoint
UPDATE "payments" p SET "subject_type" = i."subject_type", "subject_id" = i."subject_id" FROM "invoices" i WHERE i."tenant_id" = p."tenant_id" AND i."id" = p."invoice_id";--> statement-breakpoint
ALTER TABLE "invoice_lines" ALTER COLUMN "subject_type" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "invoice_lines" ALTER COLUMN "subject_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "subject_type" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "subject_id" SET NOT NULL;--> statement-breakpoint
DROP INDEX "payments_by_invoice";--> statement-breakpoint
ALTER TABLE "invoice_lines" DROP CONSTRAINT "invoice_lines_tenant_id_invoice_id_line_no_pk";--> statement-breakpoint
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_tenant_id_id_pk";--> statement-breakpoint
ALTER TABLE "jobs" DROP CONSTRAINT "jobs_tenant_id_id_pk";--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_tenant_id_id_pk";--> statement-breakpoint
ALTER TABLE "tasks" DROP CONSTRAINT "tasks_tenant_id_id_pk";--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_tenant_id_subject_type_subject_id_invoice_id_line_no_pk" PRIMARY KEY("tenant_id","subject_type","subject_id","invoice_id","line_no");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_tenant_id_subject_type_subject_id_id_pk" PRIMARY KEY("tenant_id","subject_type","subject_id","id");--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_tenant_id_customer_id_id_pk" PRIMARY KEY("tenant_id","customer_id","id");--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_tenant_id_subject_type_subject_id_id_pk" PRIMARY KEY("tenant_id","subject_type","subject_id","id");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tenant_id_subject_type_subject_id_id_pk" PRIMARY KEY("tenant_id","subject_type","subject_id","id");--> statement-breakpoint
CREATE INDEX "payments_by_invoice" ON "payments" USING btree ("tenant_id","subject_type","subject_id","invoice_id");
