ALTER TYPE "public"."upload_status" ADD VALUE 'expired';--> statement-breakpoint
CREATE TABLE "upload_transfers" (
	"id" text PRIMARY KEY NOT NULL,
	"upload_id" uuid NOT NULL,
	"idx" integer NOT NULL,
	"contributor_id" uuid NOT NULL,
	"size" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"touched_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "files_deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "upload_transfers" ADD CONSTRAINT "upload_transfers_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upload_transfers" ADD CONSTRAINT "upload_transfers_upload_id_idx_upload_files_upload_id_idx_fk" FOREIGN KEY ("upload_id","idx") REFERENCES "public"."upload_files"("upload_id","idx") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "upload_transfers_file" ON "upload_transfers" USING btree ("upload_id","idx");--> statement-breakpoint
CREATE INDEX "upload_transfers_contributor" ON "upload_transfers" USING btree ("contributor_id");--> statement-breakpoint
CREATE INDEX "upload_transfers_touched" ON "upload_transfers" USING btree ("touched_at");