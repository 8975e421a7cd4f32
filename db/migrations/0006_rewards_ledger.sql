CREATE TABLE "coverage" (
	"upload_id" uuid NOT NULL,
	"segment_id" text NOT NULL,
	"fraction" real NOT NULL,
	"covered_at" timestamp with time zone NOT NULL,
	"counted" boolean NOT NULL,
	CONSTRAINT "coverage_upload_id_segment_id_pk" PRIMARY KEY("upload_id","segment_id")
);
--> statement-breakpoint
CREATE TABLE "epoch_balances" (
	"epoch_id" integer NOT NULL,
	"contributor_id" uuid NOT NULL,
	"address" text NOT NULL,
	"cumulative" numeric(78, 0) NOT NULL,
	"proof" jsonb NOT NULL,
	CONSTRAINT "epoch_balances_epoch_id_contributor_id_pk" PRIMARY KEY("epoch_id","contributor_id")
);
--> statement-breakpoint
CREATE TABLE "epochs" (
	"id" integer PRIMARY KEY NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"root" text,
	"total_cumulative" numeric(78, 0),
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"epoch_id" integer NOT NULL,
	"contributor_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"upload_id" uuid,
	"segment_id" text,
	"rule" text NOT NULL,
	"base_amount" numeric(78, 0) NOT NULL,
	"multipliers" jsonb NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "upload_matches" (
	"upload_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"sub_match" integer NOT NULL,
	"segment_id" text NOT NULL,
	"direction" smallint NOT NULL,
	"from_frac" real NOT NULL,
	"to_frac" real NOT NULL,
	"length_m" double precision NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"exited_at" timestamp with time zone NOT NULL,
	CONSTRAINT "upload_matches_upload_id_seq_pk" PRIMARY KEY("upload_id","seq")
);
--> statement-breakpoint
ALTER TABLE "coverage" ADD CONSTRAINT "coverage_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coverage" ADD CONSTRAINT "coverage_segment_id_road_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."road_segments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epoch_balances" ADD CONSTRAINT "epoch_balances_epoch_id_epochs_id_fk" FOREIGN KEY ("epoch_id") REFERENCES "public"."epochs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epoch_balances" ADD CONSTRAINT "epoch_balances_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_epoch_id_epochs_id_fk" FOREIGN KEY ("epoch_id") REFERENCES "public"."epochs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_segment_id_road_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."road_segments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upload_matches" ADD CONSTRAINT "upload_matches_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upload_matches" ADD CONSTRAINT "upload_matches_segment_id_road_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."road_segments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "coverage_segment_time" ON "coverage" USING btree ("segment_id","covered_at");--> statement-breakpoint
CREATE INDEX "epoch_balances_address" ON "epoch_balances" USING btree ("address");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_upload_segment_kind" ON "ledger_entries" USING btree ("upload_id","segment_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_coverage_segment_epoch" ON "ledger_entries" USING btree ("segment_id","epoch_id") WHERE kind = 'coverage';--> statement-breakpoint
CREATE INDEX "ledger_contributor_epoch" ON "ledger_entries" USING btree ("contributor_id","epoch_id");--> statement-breakpoint
CREATE INDEX "upload_matches_segment" ON "upload_matches" USING btree ("segment_id");