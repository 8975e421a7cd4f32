import { customType } from 'drizzle-orm/pg-core';

/** A LineString with a measure: M holds each vertex's Unix time in seconds, so a track keeps its timing. */
export const lineStringM = customType<{ data: string; driverData: string }>({
  dataType() {
    return 'geometry(LineStringM, 4326)';
  },
});

/** A WGS84 point; drizzle's own `geometry()` drops the SRID from the DDL, so the type is spelled out here. */
export const point4326 = customType<{ data: string; driverData: string }>({
  dataType() {
    return 'geometry(Point, 4326)';
  },
});

/** A WGS84 LineString (road pieces). */
export const lineString4326 = customType<{ data: string; driverData: string }>({
  dataType() {
    return 'geometry(LineString, 4326)';
  },
});
