-- Indexes for the reports (/v1/metrics): what they count by type, kind and period. Edited by hand
-- after drizzle-kit generate: timeline_by_type includes the subject and kind, so counts of a type
-- in a period read the index alone.
CREATE INDEX "invoices_by_issue" ON "invoices" USING btree ("tenant_id","issued_at");--> statement-breakpoint
CREATE INDEX "invoices_by_payment" ON "invoices" USING btree ("tenant_id","paid_at");--> statement-breakpoint
CREATE INDEX "invoices_by_write_off" ON "invoices" USING btree ("tenant_id","written_off_at") WHERE "invoices"."written_off_at" is not null;--> statement-breakpoint
CREATE INDEX "invoices_open" ON "invoices" USING btree ("tenant_id","issued_at") WHERE "invoices"."paid_at" is null and "invoices"."written_off_at" is null;--> statement-breakpoint
CREATE INDEX "leakage_by_resolution" ON "leakage_entries" USING btree ("tenant_id","resolved_at") WHERE "leakage_entries"."resolved_at" is not null;--> statement-breakpoint
CREATE INDEX "messages_by_kind" ON "messages" USING btree ("tenant_id","kind","sent_at");--> statement-breakpoint
CREATE INDEX "tasks_by_kind" ON "tasks" USING btree ("tenant_id","kind","created_at");--> statement-breakpoint
CREATE INDEX "timeline_by_type" ON "timeline_entries" USING btree ("tenant_id","type","occurred_at") INCLUDE ("subject_type","subject_id","kind");