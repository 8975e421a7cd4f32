CREATE TABLE "road_nodes" (
	"id" bigint PRIMARY KEY NOT NULL,
	"geom" geometry(Point, 4326) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "road_segments" (
	"id" text PRIMARY KEY NOT NULL,
	"region" text NOT NULL,
	"way_id" bigint NOT NULL,
	"from_node" bigint NOT NULL,
	"to_node" bigint NOT NULL,
	"piece_index" integer NOT NULL,
	"piece_count" integer NOT NULL,
	"source" bigint NOT NULL,
	"target" bigint NOT NULL,
	"geom" geometry(LineString, 4326) NOT NULL,
	"length_m" double precision NOT NULL,
	"class" text NOT NULL,
	"name" text,
	"ref" text,
	"oneway" smallint NOT NULL,
	"cost" double precision NOT NULL,
	"reverse_cost" double precision NOT NULL,
	"content_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "road_nodes_geom" ON "road_nodes" USING gist ("geom");--> statement-breakpoint
CREATE INDEX "road_segments_geom" ON "road_segments" USING gist ("geom");--> statement-breakpoint
CREATE INDEX "road_segments_region" ON "road_segments" USING btree ("region");--> statement-breakpoint
CREATE INDEX "road_segments_source" ON "road_segments" USING btree ("source");--> statement-breakpoint
CREATE INDEX "road_segments_target" ON "road_segments" USING btree ("target");--> statement-breakpoint
CREATE INDEX "road_segments_way" ON "road_segments" USING btree ("way_id");