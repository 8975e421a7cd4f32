CREATE TABLE "review_outcomes" (
	"item_kind" text NOT NULL,
	"item_id" bigint NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"decision" text,
	"class" text,
	"value" text,
	"settled_by" text,
	"settled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_outcomes_item_kind_item_id_pk" PRIMARY KEY("item_kind","item_id"),
	CONSTRAINT "review_outcomes_item_kind" CHECK ("review_outcomes"."item_kind" in ('feature', 'detection')),
	CONSTRAINT "review_outcomes_status" CHECK ("review_outcomes"."status" in ('open', 'escalated', 'settled')),
	CONSTRAINT "review_outcomes_settled" CHECK (("review_outcomes"."status" = 'settled') = ("review_outcomes"."decision" is not null and "review_outcomes"."settled_by" is not null and "review_outcomes"."settled_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"item_kind" text NOT NULL,
	"item_id" bigint NOT NULL,
	"reviewer_id" uuid NOT NULL,
	"decision" text NOT NULL,
	"class" text NOT NULL,
	"value" text,
	"senior" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reviews_item_kind" CHECK ("reviews"."item_kind" in ('feature', 'detection')),
	CONSTRAINT "reviews_decision" CHECK ("reviews"."decision" in ('confirm', 'reject', 'relabel'))
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "review_id" bigint;--> statement-breakpoint
ALTER TABLE "contributors" ADD COLUMN "roles" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_reviewer_id_contributors_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_outcomes_status" ON "review_outcomes" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_item_reviewer" ON "reviews" USING btree ("item_kind","item_id","reviewer_id");--> statement-breakpoint
CREATE INDEX "reviews_reviewer" ON "reviews" USING btree ("reviewer_id");--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."reviews"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_review" ON "ledger_entries" USING btree ("review_id") WHERE review_id is not null;--> statement-breakpoint
ALTER TABLE "contributors" ADD CONSTRAINT "contributors_roles" CHECK ("contributors"."roles" <@ array['reviewer', 'senior']::text[]);--> statement-breakpoint
-- Hand-written (drizzle cannot express triggers): a review vote, like the ledger entry that pays it, is never changed.
CREATE TRIGGER reviews_append_only
  BEFORE UPDATE OR DELETE ON reviews
  FOR EACH ROW EXECUTE FUNCTION mapmint_forbid_change();
