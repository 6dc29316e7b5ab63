// Courses and groups change rarely: fetched once per session and shared by the screens.
import type { InferResponseType } from 'hono/client';
import { api, call } from './api.js';

export type Course = InferResponseType<typeof api.api.courses.$get, 200>['items'][number];
export type GroupOccupancy = InferResponseType<(typeof api.api.groups.occupancy)['$get'], 200>['items'][number];

let courses: Promise<Course[]> | null = null;
let groups: Promise<Map<number, GroupOccupancy>> | null = null;

export function loadCourses(): Promise<Course[]> {
  courses ??= call(api.api.courses.$get()).then((r) => r.items);
  courses.catch(() => (courses = null));
  return courses;
}

/** Group names for trials and enrollments shown on a lead. */
export function loadGroupNames(): Promise<Map<number, GroupOccupancy>> {
  groups ??= call(api.api.groups.occupancy.$get({ query: {} })).then((r) => new Map(r.items.map((g) => [g.id, g])));
  groups.catch(() => (groups = null));
  return groups;
}
