CREATE TABLE "device_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contributor_id" uuid NOT NULL,
	"public_key" text NOT NULL,
	"label" text,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "device_keys_public_key_unique" UNIQUE("public_key")
);
--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "device_key_id" uuid;--> statement-breakpoint
ALTER TABLE "device_keys" ADD CONSTRAINT "device_keys_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "device_keys_contributor" ON "device_keys" USING btree ("contributor_id");--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_device_key_id_device_keys_id_fk" FOREIGN KEY ("device_key_id") REFERENCES "public"."device_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "uploads_device_key" ON "uploads" USING btree ("device_key_id");