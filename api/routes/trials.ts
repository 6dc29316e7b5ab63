import { z } from '@hono/zod-openapi';
import { LOST_REASONS } from '../../core/leads/statuses.js';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonBody, jsonOk, staffRoute } from './common.js';
import { idParam, leadSchema, leadView, localDay, trialSchema, trialView } from './views.js';

const tags = ['Trials'];

const moveRoute = staffRoute({
  method: 'post',
  path: '/api/trials/{id}/move',
  tags,
  summary: 'Move a booked trial to another group or date (the old seat frees, reminders are re-planned)',
  request: { params: idParam, body: jsonBody(z.strictObject({ groupId: z.number().int().positive(), date: localDay })) },
  responses: { 200: jsonOk(trialSchema) },
}, { errors: [409] });

const cancelRoute = staffRoute({
  method: 'post',
  path: '/api/trials/{id}/cancel',
  tags,
  summary: 'Cancel a booked trial (the lead goes back to interested)',
  request: { params: idParam, body: jsonBody(z.strictObject({ reason: z.string().trim().max(500).optional() })) },
  responses: { 200: jsonOk(leadSchema) },
}, { errors: [409] });

const resultRoute = staffRoute({
  method: 'post',
  path: '/api/trials/{id}/result',
  tags,
  summary: 'Record a trial result (moves the lead); changing a recorded result is a manager’s correction with a reason',
  request: {
    params: idParam,
    body: jsonBody(
      z
        .strictObject({
          result: z.enum(['attended', 'not_attended', 'offer_sent', 'accepted', 'rejected']),
          lostReason: z.enum(LOST_REASONS).optional().nullable(),
          lostReasonText: z.string().trim().max(500).optional().nullable(),
          agreedPrice: z.number().int().min(0).optional().nullable(),
          offerId: z.number().int().positive().optional().nullable(),
          reason: z.string().trim().max(500).optional().nullable(),
        })
        .openapi('TrialResultInput'),
    ),
  },
  responses: { 200: jsonOk(leadSchema) },
}, { errors: [409] });

export function trialRoutes({ services }: RouteDeps) {
  const leads = services.leads;
  return newRouter()
    .openapi(moveRoute, async (c) => {
      const trial = await leads.moveTrial(c.req.valid('param').id, c.req.valid('json'), c.get('user'));
      return c.json(trialView(trial), 200);
    })
    .openapi(cancelRoute, async (c) => {
      const lead = await leads.cancelTrial(c.req.valid('param').id, c.get('user'), c.req.valid('json').reason);
      return c.json(leadView(lead), 200);
    })
    .openapi(resultRoute, async (c) => {
      const { result, ...extra } = c.req.valid('json');
      const lead = await leads.recordTrialResult(c.req.valid('param').id, result, c.get('user'), extra);
      return c.json(leadView(lead), 200);
    });
}
