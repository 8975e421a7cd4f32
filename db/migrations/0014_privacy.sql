CREATE TABLE "privacy_zones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contributor_id" uuid NOT NULL,
	"centre" geometry(Point, 4326) NOT NULL,
	"radius_m" real NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_zones_radius" CHECK ("privacy_zones"."radius_m" between 50 and 1000)
);
--> statement-breakpoint
ALTER TABLE "frames" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "detections" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "privacy_zones" ADD CONSTRAINT "privacy_zones_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "privacy_zones_contributor" ON "privacy_zones" USING btree ("contributor_id");--> statement-breakpoint
CREATE INDEX "privacy_zones_centre" ON "privacy_zones" USING gist ("centre");--> statement-breakpoint
CREATE UNIQUE INDEX "frames_public_id" ON "frames" USING btree ("public_id");--> statement-breakpoint
CREATE UNIQUE INDEX "detections_public_id" ON "detections" USING btree ("public_id");