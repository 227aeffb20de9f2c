CREATE TABLE "leakage_entries" (
	"tenant_id" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"step" text NOT NULL,
	"status" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"currency" text NOT NULL,
	"at_stake" bigint NOT NULL,
	"estimated" boolean NOT NULL,
	"recovered" bigint DEFAULT 0 NOT NULL,
	"lost" bigint DEFAULT 0 NOT NULL,
	"recovered_by" text,
	"resolved_at" timestamp with time zone,
	"ref" text,
	"summary" text NOT NULL,
	"workflow_id" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "leakage_entries_tenant_id_subject_type_subject_id_id_pk" PRIMARY KEY("tenant_id","subject_type","subject_id","id")
);
--> statement-breakpoint
ALTER TABLE "leakage_entries" ADD CONSTRAINT "leakage_entries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "leakage_by_time" ON "leakage_entries" USING btree ("tenant_id","occurred_at","kind");