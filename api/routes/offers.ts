import { z } from '@hono/zod-openapi';
import type { Offer } from '../../db/types.js';
import { assertCan } from '../../core/policy/policy.js';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonOk, staffRoute } from './common.js';
import { idParam } from './views.js';

const tags = ['Offers'];

const offerSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    description: z.string().nullable(),
    type: z.string(),
    priority: z.number().int(),
    channel: z.string(),
    audience: z.string(),
    courseId: z.number().int().nullable(),
    validFrom: z.string().nullable(),
    validUntil: z.string().nullable(),
  })
  .openapi('Offer');

const offerView = (o: Offer): z.infer<typeof offerSchema> => ({
  id: Number(o.id),
  title: o.title,
  description: o.description,
  type: o.type,
  priority: Number(o.priority),
  channel: o.channel,
  audience: o.audience,
  courseId: o.course_id == null ? null : Number(o.course_id),
  validFrom: o.valid_from,
  validUntil: o.valid_until,
});

const activeRoute = staffRoute({
  method: 'get',
  path: '/api/offers',
  tags,
  summary: 'The offers valid now, highest priority first',
  responses: { 200: jsonOk(z.object({ items: z.array(offerSchema) })) },
});

const forLeadRoute = staffRoute({
  method: 'get',
  path: '/api/leads/{id}/offers',
  tags,
  summary: "The valid offers that match a lead (its status's audience and its course, SPEC §6.5)",
  request: { params: idParam },
  responses: { 200: jsonOk(z.object({ channel: z.string(), items: z.array(offerSchema) })) },
});

/** The channel a lead is being worked through, by its status. */
const channelOf = (status: string): 'trial' | 'reactivation' | 'followup' =>
  status.startsWith('trial_') ? 'trial' : status === 'lost' || status === 'reactivation' ? 'reactivation' : 'followup';

export function offerRoutes({ services }: RouteDeps) {
  return newRouter()
    .openapi(activeRoute, async (c) => {
      const items = await services.offers.list(c.get('user'), { activeOnly: true });
      return c.json({ items: items.map(offerView) }, 200);
    })
    .openapi(forLeadRoute, async (c) => {
      const user = c.get('user');
      assertCan(user, 'offer.view_active');
      // another salesperson's lead answers 404 here as everywhere
      const lead = await services.leads.get(c.req.valid('param').id, user);
      const channel = channelOf(lead.status);
      const items = await services.offers.activeForLead(lead, channel);
      return c.json({ channel, items: items.map(offerView) }, 200);
    });
}
