CREATE TABLE "tile_dirty_areas" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bbox" jsonb NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detections" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"frame_id" bigint NOT NULL,
	"model_id" text NOT NULL,
	"model_version" text NOT NULL,
	"idx" integer NOT NULL,
	"class" text NOT NULL,
	"model_class" text NOT NULL,
	"score" real NOT NULL,
	"x1" real NOT NULL,
	"y1" real NOT NULL,
	"x2" real NOT NULL,
	"y2" real NOT NULL,
	"text" text,
	"value" text,
	"crop_blob_key" text,
	"extra" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "detections" ADD CONSTRAINT "detections_frame_id_frames_id_fk" FOREIGN KEY ("frame_id") REFERENCES "public"."frames"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "detections_frame_model_idx" ON "detections" USING btree ("frame_id","model_id","model_version","idx");--> statement-breakpoint
CREATE INDEX "detections_class" ON "detections" USING btree ("class");