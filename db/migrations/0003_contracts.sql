CREATE TABLE "contract_changes" (
	"tenant_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"mrr_delta" bigint NOT NULL,
	"currency" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "contract_changes_tenant_id_contract_id_id_pk" PRIMARY KEY("tenant_id","contract_id","id")
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_name" text NOT NULL,
	"stage" text NOT NULL,
	"currency" text NOT NULL,
	"playbook_id" text NOT NULL,
	"playbook_version" integer NOT NULL,
	"usage_metrics" text[] NOT NULL,
	"term_start" timestamp with time zone,
	"term_end" timestamp with time zone,
	"auto_renew" integer DEFAULT 1 NOT NULL,
	"mrr" bigint DEFAULT 0 NOT NULL,
	"next_invoice_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contracts_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "policy_exceptions" (
	"tenant_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"detail" text NOT NULL,
	"approved_by" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "policy_exceptions_tenant_id_contract_id_id_pk" PRIMARY KEY("tenant_id","contract_id","id")
);
--> statement-breakpoint
CREATE TABLE "revenue_lines" (
	"tenant_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"key" text NOT NULL,
	"invoice_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"method" text NOT NULL,
	"start" timestamp with time zone NOT NULL,
	"end" timestamp with time zone NOT NULL,
	"billed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "revenue_lines_tenant_id_contract_id_key_pk" PRIMARY KEY("tenant_id","contract_id","key")
);
--> statement-breakpoint
CREATE TABLE "usage_closures" (
	"tenant_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"metric" text NOT NULL,
	"closed_through" timestamp with time zone NOT NULL,
	CONSTRAINT "usage_closures_tenant_id_contract_id_metric_pk" PRIMARY KEY("tenant_id","contract_id","metric")
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"tenant_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"id" text NOT NULL,
	"metric" text NOT NULL,
	"quantity" numeric NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_records_tenant_id_contract_id_id_pk" PRIMARY KEY("tenant_id","contract_id","id")
);
--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD COLUMN "line_ref" text;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD COLUMN "period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD COLUMN "period_end" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "kind" text DEFAULT 'invoice' NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "hold_reason" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "period_end" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contract_changes" ADD CONSTRAINT "contract_changes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_exceptions" ADD CONSTRAINT "policy_exceptions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "revenue_lines" ADD CONSTRAINT "revenue_lines_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_closures" ADD CONSTRAINT "usage_closures_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contracts_stage" ON "contracts" USING btree ("tenant_id","stage","id");--> statement-breakpoint
CREATE INDEX "usage_by_metric" ON "usage_records" USING btree ("tenant_id","contract_id","metric","occurred_at");