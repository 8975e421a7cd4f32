-- An upload whose step exhausted its retries is 'failed' (with the step and its error in uploads.failure) until
-- `mapmint retry` runs the step again.
ALTER TYPE "public"."upload_status" ADD VALUE 'failed';--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "failure" jsonb;