import { type Kysely, type CreateTableBuilder, PostgresAdapter, sql } from 'kysely';

// Frozen once landed: later schema changes go into new dated files.

type T = CreateTableBuilder<string, never>;

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = (t: T): T =>
    (pg
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())) as T;
  const table = (name: string) => db.schema.createTable(name) as unknown as T;
  const real = pg ? 'double precision' : 'real';
  const bool = (t: T, name: string, dflt = 0): T => t.addColumn(name, 'integer', (c) => c.notNull().defaultTo(dflt));
  const ref = (target: string) => (c: any) => c.references(`${target}.id`);
  const exec = (t: T) => (t as any).execute() as Promise<void>;

  let t = id(table('users'))
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('telegram_user_id', 'text', (c) => c.unique())
    .addColumn('telegram_chat_id', 'text')
    .addColumn('work_start', 'text', (c) => c.notNull().defaultTo('09:00'))
    .addColumn('work_end', 'text', (c) => c.notNull().defaultTo('18:00'))
    .addColumn('work_days', 'text', (c) => c.notNull().defaultTo('[1,2,3,4,5,6]'));
  t = bool(t, 'is_active_sales');
  t = t.addColumn('course_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('uz'));
  t = bool(t, 'is_active', 1);
  t = t.addColumn('open_lead_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_assigned_at', 'text')
    .addColumn('blocked_since', 'text')
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull());
  await exec(t);

  await exec(
    id(table('courses'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sales_script', 'text')
      .addColumn('lesson_minutes', 'integer', (c) => c.notNull().defaultTo(90))
      .addColumn('lessons_per_week', 'integer', (c) => c.notNull().defaultTo(3))
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );

  await exec(
    id(table('rooms'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('capacity', 'integer', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1)),
  );

  await exec(
    id(table('study_groups'))
      .addColumn('course_id', 'integer', (c) => c.notNull().references('courses.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('days', 'text', (c) => c.notNull())
      .addColumn('start_time', 'text', (c) => c.notNull())
      .addColumn('room_id', 'integer', ref('rooms'))
      .addColumn('capacity', 'integer', (c) => c.notNull())
      .addColumn('current_students', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('start_date', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1)),
  );

  await exec(
    id(table('offers'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('type', 'text', (c) => c.notNull().defaultTo('other'))
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('channel', 'text', (c) => c.notNull().defaultTo('all'))
      .addColumn('audience', 'text', (c) => c.notNull().defaultTo('all'))
      .addColumn('course_id', 'integer', ref('courses'))
      .addColumn('valid_from', 'text')
      .addColumn('valid_until', 'text')
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_by', 'integer', ref('users'))
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );

  await exec(
    id(table('leads'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('phone2', 'text')
      .addColumn('student_name', 'text')
      .addColumn('student_age', 'integer')
      .addColumn('student_level', 'text')
      .addColumn('course_id', 'integer', ref('courses'))
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('utm_source', 'text')
      .addColumn('utm_medium', 'text')
      .addColumn('utm_campaign', 'text')
      .addColumn('utm_content', 'text')
      .addColumn('utm_term', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('lost_reason', 'text')
      .addColumn('lost_reason_text', 'text')
      .addColumn('assigned_to', 'integer', ref('users'))
      .addColumn('previous_assignee', 'integer', ref('users'))
      .addColumn('parked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('notes', 'text')
      .addColumn('last_note', 'text')
      .addColumn('group_id', 'integer', ref('study_groups'))
      .addColumn('agreed_price', 'integer')
      .addColumn('offer_id', 'integer', ref('offers'))
      .addColumn('created_by', 'integer', ref('users'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('status_at', 'text', (c) => c.notNull())
      .addColumn('lost_at', 'text')
      .addColumn('enrolled_at', 'text')
      .addColumn('first_contact_at', 'text')
      .addColumn('assigned_at', 'text')
      .addColumn('first_response_alerted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('no_answer_alerted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('merged_into', 'integer'),
  );
  await db.schema.createIndex('leads_status_assigned').on('leads').columns(['status', 'assigned_to']).execute();
  await db.schema.createIndex('leads_created').on('leads').column('created_at').execute();
  await db.schema.createIndex('leads_phone').on('leads').column('phone').execute();
  await db.schema.createIndex('leads_phone2').on('leads').column('phone2').execute();
  await db.schema.createIndex('leads_source').on('leads').column('source').execute();
  // my-leads list: keyset over (assigned_to, id)
  await db.schema.createIndex('leads_assigned_id').on('leads').columns(['assigned_to', 'id']).execute();
  // unassigned queue, in arrival order
  await db.schema.createIndex('leads_queue').on('leads').columns(['assigned_to', 'parked', 'id']).execute();
  await db.schema.createIndex('leads_lost_at').on('leads').column('lost_at').execute();
  await db.schema.createIndex('leads_enrolled_at').on('leads').column('enrolled_at').execute();
  await db.schema.createIndex('leads_assigned_at').on('leads').columns(['assigned_to', 'assigned_at']).execute();

  // one row per normalized phone: the unique key that makes concurrent intakes of one phone meet
  await exec(
    table('lead_phones')
      .addColumn('phone', 'text', (c) => c.primaryKey())
      .addColumn('lead_id', 'integer', (c) => c.notNull().references('leads.id')),
  );
  await db.schema.createIndex('lead_phones_lead').on('lead_phones').column('lead_id').execute();

  await exec(
    id(table('lead_events'))
      .addColumn('lead_id', 'integer', (c) => c.notNull().references('leads.id'))
      .addColumn('actor_id', 'integer', ref('users'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('from_status', 'text')
      .addColumn('to_status', 'text')
      .addColumn('data', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );
  await db.schema.createIndex('lead_events_lead').on('lead_events').columns(['lead_id', 'id']).execute();
  await db.schema.createIndex('lead_events_actor').on('lead_events').columns(['actor_id', 'created_at']).execute();
  await db.schema.createIndex('lead_events_type').on('lead_events').columns(['type', 'created_at']).execute();

  await exec(
    id(table('trials'))
      .addColumn('lead_id', 'integer', (c) => c.notNull().references('leads.id'))
      .addColumn('group_id', 'integer', (c) => c.notNull().references('study_groups.id'))
      .addColumn('sales_id', 'integer', ref('users'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('room_id', 'integer', ref('rooms'))
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('ends_at', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('cancelled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('notes', 'text')
      .addColumn('booked_by', 'integer', ref('users'))
      .addColumn('booked_at', 'text', (c) => c.notNull())
      .addColumn('reminder_sent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('result_reminder_sent', 'integer', (c) => c.notNull().defaultTo(0)),
  );
  await db.schema.createIndex('trials_group_date').on('trials').columns(['group_id', 'date']).execute();
  await db.schema.createIndex('trials_lead').on('trials').column('lead_id').execute();
  await db.schema.createIndex('trials_starts').on('trials').column('starts_at').execute();
  await db.schema.createIndex('trials_booked').on('trials').columns(['booked_by', 'booked_at']).execute();

  await exec(
    id(table('follow_ups'))
      .addColumn('lead_id', 'integer', (c) => c.notNull().references('leads.id'))
      .addColumn('sales_id', 'integer', ref('users'))
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('plan_status', 'text')
      .addColumn('step', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('trial_id', 'integer', ref('trials'))
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('open'))
      .addColumn('completed_at', 'text')
      .addColumn('completed_by', 'integer', ref('users'))
      .addColumn('closed_at', 'text')
      .addColumn('snooze_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('overdue', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('overdue_notified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reminder_sent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('notes', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );
  // SPEC §2 indexes, with `state` standing for "completed"
  await db.schema.createIndex('follow_ups_due_state').on('follow_ups').columns(['due_at', 'state']).execute();
  await db.schema.createIndex('follow_ups_sales_state').on('follow_ups').columns(['sales_id', 'state', 'due_at']).execute();
  await db.schema.createIndex('follow_ups_lead_state').on('follow_ups').columns(['lead_id', 'state']).execute();
  await db.schema.createIndex('follow_ups_overdue_state').on('follow_ups').columns(['overdue', 'state']).execute();
  // the scans of the scheduler: open rows by due time, not yet reminded / not yet marked overdue
  await db.schema.createIndex('follow_ups_open_reminder').on('follow_ups').columns(['state', 'reminder_sent', 'due_at']).execute();
  await db.schema.createIndex('follow_ups_open_overdue').on('follow_ups').columns(['state', 'overdue', 'due_at']).execute();
  await db.schema.createIndex('follow_ups_completed').on('follow_ups').columns(['completed_by', 'completed_at']).execute();

  await exec(
    id(table('waitlist'))
      .addColumn('lead_id', 'integer', (c) => c.notNull().references('leads.id'))
      .addColumn('group_id', 'integer', (c) => c.notNull().references('study_groups.id'))
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('notified_at', 'text')
      .addUniqueConstraint('waitlist_lead_group', ['lead_id', 'group_id']),
  );

  await exec(
    id(table('leave_requests'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('start_date', 'text', (c) => c.notNull())
      .addColumn('end_date', 'text', (c) => c.notNull())
      .addColumn('start_time', 'text')
      .addColumn('end_time', 'text')
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('ends_at', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('decided_by', 'integer', ref('users'))
      .addColumn('decided_at', 'text')
      .addColumn('rejection_reason', 'text')
      .addColumn('start_notified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('end_notified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );
  await db.schema.createIndex('leave_user_status').on('leave_requests').columns(['user_id', 'status', 'starts_at']).execute();

  await exec(
    id(table('absences'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('marked_by', 'integer', ref('users'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('absences_user_date', ['user_id', 'date']),
  );

  await exec(
    id(table('holidays'))
      .addColumn('date', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text'),
  );

  await exec(
    id(table('kpi_daily'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('daily_contacts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('daily_followups', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('followup_completion_rate', real)
      .addColumn('trials_registered', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('trials_to_sales', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('conversion_rate', real)
      .addColumn('response_time', real)
      .addColumn('overdue_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('on_leave', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('report_sent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('computed_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('kpi_user_date', ['user_id', 'date']),
  );
  await db.schema.createIndex('kpi_date').on('kpi_daily').column('date').execute();

  await exec(
    id(table('reactivations'))
      .addColumn('lead_id', 'integer', (c) => c.notNull().references('leads.id'))
      .addColumn('lost_at', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addUniqueConstraint('reactivations_cycle_type', ['lead_id', 'lost_at', 'type']),
  );

  await exec(
    id(table('sales_messages'))
      .addColumn('sender_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal'))
      .addColumn('sent_to_telegram', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );
  await exec(
    table('sales_message_recipients')
      .addColumn('message_id', 'integer', (c) => c.notNull().references('sales_messages.id'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addPrimaryKeyConstraint('sales_message_recipients_pk', ['message_id', 'user_id']),
  );
  await db.schema.createIndex('smr_user').on('sales_message_recipients').columns(['user_id', 'message_id']).execute();
  await exec(
    id(table('sales_message_reads'))
      .addColumn('message_id', 'integer', (c) => c.notNull().references('sales_messages.id'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('read_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('sales_message_reads_unique', ['message_id', 'user_id']),
  );

  await exec(
    table('center_settings')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('center_name', 'text', (c) => c.notNull())
      .addColumn('address', 'text')
      .addColumn('map_link', 'text')
      .addColumn('contact_phone', 'text')
      .addColumn('default_work_start', 'text', (c) => c.notNull().defaultTo('09:00'))
      .addColumn('default_work_end', 'text', (c) => c.notNull().defaultTo('18:00'))
      .addColumn('default_work_days', 'text', (c) => c.notNull().defaultTo('[1,2,3,4,5,6]'))
      .addColumn('landing_texts', 'text')
      .addColumn('first_response_minutes', 'integer', (c) => c.notNull().defaultTo(15))
      .addColumn('team_chat_id', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull()),
  );

  await exec(
    id(table('outbox'))
      .addColumn('chat_id', 'text')
      .addColumn('user_id', 'integer', ref('users'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal'))
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('claimed_at', 'text')
      .addColumn('claimed_by', 'text')
      .addColumn('unknown_outcome', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sent_at', 'text')
      .addColumn('telegram_message_id', 'text')
      .addColumn('dedupe_key', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );
  await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'not_before', 'id']).execute();
  await db.schema.createIndex('outbox_chat').on('outbox').columns(['chat_id', 'status', 'id']).execute();

  await exec(
    id(table('job_runs'))
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('slot', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('owner', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('error', 'text')
      .addColumn('result', 'text')
      .addUniqueConstraint('job_runs_job_slot', ['job', 'slot']),
  );

  await exec(
    table('sessions')
      .addColumn('sid', 'text', (c) => c.primaryKey())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull()),
  );
  await exec(
    table('rate_limits')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('window_start', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start']),
  );
  await exec(
    table('telegram_links')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull()),
  );
  await exec(
    table('kv_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()),
  );
  await exec(
    id(table('imports'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('counts', 'text')
      .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('distribute_now', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('created_by', 'integer', ref('users'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text'),
  );
  await exec(
    table('import_rows')
      .addColumn('import_id', 'integer', (c) => c.notNull().references('imports.id'))
      .addColumn('row_no', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addPrimaryKeyConstraint('import_rows_pk', ['import_id', 'row_no']),
  );

  await sql`insert into center_settings (id, center_name, first_response_minutes, updated_at)
            values (1, 'O''quv markazi', 15, ${new Date().toISOString()})`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('the initial schema is not reversible');
}
