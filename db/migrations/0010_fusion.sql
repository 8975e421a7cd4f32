CREATE TABLE "feature_observations" (
	"detection_id" bigint PRIMARY KEY NOT NULL,
	"feature_id" bigint NOT NULL,
	"upload_id" uuid NOT NULL,
	"captured_at" timestamp with time zone NOT NULL,
	"camera_lon" double precision NOT NULL,
	"camera_lat" double precision NOT NULL,
	"bearing_deg" real NOT NULL,
	"bearing_sigma_deg" real NOT NULL,
	"range_m" real NOT NULL,
	"range_sigma_m" real NOT NULL,
	"position_sigma_m" real NOT NULL,
	"score" real NOT NULL,
	"value" text
);
--> statement-breakpoint
CREATE TABLE "feature_passes" (
	"feature_id" bigint NOT NULL,
	"upload_id" uuid NOT NULL,
	"passed_at" timestamp with time zone NOT NULL,
	"expected_frames" integer NOT NULL,
	"seen_frames" integer NOT NULL,
	CONSTRAINT "feature_passes_feature_id_upload_id_pk" PRIMARY KEY("feature_id","upload_id")
);
--> statement-breakpoint
CREATE TABLE "map_feature_versions" (
	"feature_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone,
	"class" text NOT NULL,
	"value" text,
	"status" text NOT NULL,
	"confidence" real NOT NULL,
	"removal_probability" real NOT NULL,
	"geom" geometry(Point, 4326) NOT NULL,
	"upload_id" uuid,
	"reason" text NOT NULL,
	CONSTRAINT "map_feature_versions_feature_id_version_pk" PRIMARY KEY("feature_id","version")
);
--> statement-breakpoint
CREATE TABLE "map_features" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"class" text NOT NULL,
	"value" text,
	"confidence" real NOT NULL,
	"status" text DEFAULT 'candidate' NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"geom" geometry(Point, 4326) NOT NULL,
	"position_sigma_m" real NOT NULL,
	"facing_deg" real,
	"observation_count" integer NOT NULL,
	"drive_count" integer NOT NULL,
	"mean_score" real NOT NULL,
	"votes_up" integer DEFAULT 0 NOT NULL,
	"votes_down" integer DEFAULT 0 NOT NULL,
	"removal_probability" real DEFAULT 0 NOT NULL,
	"consecutive_misses" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "map_features_status" CHECK ("map_features"."status" in ('candidate', 'confirmed', 'rejected', 'probably_removed'))
);
--> statement-breakpoint
ALTER TABLE "feature_observations" ADD CONSTRAINT "feature_observations_detection_id_detections_id_fk" FOREIGN KEY ("detection_id") REFERENCES "public"."detections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_observations" ADD CONSTRAINT "feature_observations_feature_id_map_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."map_features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_observations" ADD CONSTRAINT "feature_observations_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_passes" ADD CONSTRAINT "feature_passes_feature_id_map_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."map_features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_passes" ADD CONSTRAINT "feature_passes_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "map_feature_versions" ADD CONSTRAINT "map_feature_versions_feature_id_map_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."map_features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "map_feature_versions" ADD CONSTRAINT "map_feature_versions_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feature_observations_feature" ON "feature_observations" USING btree ("feature_id");--> statement-breakpoint
CREATE INDEX "feature_observations_upload" ON "feature_observations" USING btree ("upload_id");--> statement-breakpoint
CREATE INDEX "feature_passes_upload" ON "feature_passes" USING btree ("upload_id");--> statement-breakpoint
CREATE INDEX "map_feature_versions_geom" ON "map_feature_versions" USING gist ("geom");--> statement-breakpoint
CREATE INDEX "map_feature_versions_valid" ON "map_feature_versions" USING btree ("valid_from","valid_to");--> statement-breakpoint
CREATE INDEX "map_features_geom" ON "map_features" USING gist ("geom");--> statement-breakpoint
CREATE INDEX "map_features_class" ON "map_features" USING btree ("class");