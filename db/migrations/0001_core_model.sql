CREATE TYPE "public"."file_role" AS ENUM('video', 'telemetry', 'track', 'image', 'sidecar');--> statement-breakpoint
CREATE TYPE "public"."file_status" AS ENUM('pending', 'received', 'corrupt');--> statement-breakpoint
CREATE TYPE "public"."upload_status" AS ENUM('receiving', 'received', 'validating', 'processing', 'done', 'quarantined');--> statement-breakpoint
CREATE TABLE "auth_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "contributors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"address" text NOT NULL,
	"reputation" real DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contributors_address_unique" UNIQUE("address")
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contributor_id" uuid NOT NULL,
	"device_key" text NOT NULL,
	"make" text NOT NULL,
	"model" text NOT NULL,
	"camera_model" text,
	"hfov_deg" real,
	"mount" text,
	"mount_yaw_deg" real DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "frames" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"upload_id" uuid NOT NULL,
	"idx" integer NOT NULL,
	"geom" geometry(Point, 4326) NOT NULL,
	"heading_deg" real,
	"speed_mps" real,
	"captured_at" timestamp (3) with time zone NOT NULL,
	"blob_key" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"quality" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"contributor_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "step_runs" (
	"upload_id" uuid NOT NULL,
	"step" text NOT NULL,
	"job_id" text,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"output" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "step_runs_upload_id_step_pk" PRIMARY KEY("upload_id","step")
);
--> statement-breakpoint
CREATE TABLE "tracks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"upload_id" uuid NOT NULL,
	"geom" geometry(LineStringM, 4326) NOT NULL,
	"source_format" text NOT NULL,
	"point_count" integer NOT NULL,
	"length_m" double precision NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "upload_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"upload_id" uuid NOT NULL,
	"from_status" "upload_status",
	"to_status" "upload_status" NOT NULL,
	"step" text NOT NULL,
	"actor" text NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "upload_files" (
	"upload_id" uuid NOT NULL,
	"idx" integer NOT NULL,
	"name" text NOT NULL,
	"role" "file_role" NOT NULL,
	"content_type" text NOT NULL,
	"declared_size" bigint NOT NULL,
	"declared_sha256" text NOT NULL,
	"status" "file_status" DEFAULT 'pending' NOT NULL,
	"blob_key" text,
	"received_at" timestamp with time zone,
	CONSTRAINT "upload_files_upload_id_idx_pk" PRIMARY KEY("upload_id","idx")
);
--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contributor_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"status" "upload_status" DEFAULT 'receiving' NOT NULL,
	"manifest" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "frames" ADD CONSTRAINT "frames_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_runs" ADD CONSTRAINT "step_runs_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracks" ADD CONSTRAINT "tracks_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upload_events" ADD CONSTRAINT "upload_events_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upload_files" ADD CONSTRAINT "upload_files_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_contributor_id_contributors_id_fk" FOREIGN KEY ("contributor_id") REFERENCES "public"."contributors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "devices_contributor_key" ON "devices" USING btree ("contributor_id","device_key");--> statement-breakpoint
CREATE UNIQUE INDEX "frames_upload_idx" ON "frames" USING btree ("upload_id","idx");--> statement-breakpoint
CREATE INDEX "frames_geom" ON "frames" USING gist ("geom");--> statement-breakpoint
CREATE INDEX "frames_captured" ON "frames" USING btree ("captured_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tracks_upload" ON "tracks" USING btree ("upload_id");--> statement-breakpoint
CREATE INDEX "tracks_geom" ON "tracks" USING gist ("geom");--> statement-breakpoint
CREATE INDEX "tracks_time" ON "tracks" USING btree ("started_at","ended_at");--> statement-breakpoint
CREATE INDEX "upload_events_upload" ON "upload_events" USING btree ("upload_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "uploads_contributor_content" ON "uploads" USING btree ("contributor_id","content_hash");--> statement-breakpoint
CREATE INDEX "uploads_content_hash" ON "uploads" USING btree ("content_hash");--> statement-breakpoint
CREATE INDEX "uploads_status" ON "uploads" USING btree ("status");