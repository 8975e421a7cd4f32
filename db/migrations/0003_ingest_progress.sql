CREATE TABLE "upload_progress" (
	"upload_id" uuid NOT NULL,
	"step" text NOT NULL,
	"done" double precision NOT NULL,
	"total" double precision NOT NULL,
	"unit" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "upload_progress_upload_id_step_pk" PRIMARY KEY("upload_id","step")
);
--> statement-breakpoint
ALTER TABLE "tracks" ADD COLUMN "points_blob_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "tracks" ADD COLUMN "fingerprint" jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tracks" ADD COLUMN "segments" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "upload_progress" ADD CONSTRAINT "upload_progress_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" DROP COLUMN "progress";