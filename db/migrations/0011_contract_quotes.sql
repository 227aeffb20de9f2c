CREATE TABLE "contract_quotes" (
	"tenant_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"input" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contract_quotes_tenant_id_contract_id_pk" PRIMARY KEY("tenant_id","contract_id")
);
--> statement-breakpoint
ALTER TABLE "contract_quotes" ADD CONSTRAINT "contract_quotes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;