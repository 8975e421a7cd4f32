-- Hand-written: PostGIS must exist before any geometry column (drizzle cannot express extensions).
CREATE EXTENSION IF NOT EXISTS postgis;
