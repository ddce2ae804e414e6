/**
 * Step comments: any role adds one to an existing step (audited), lists come back in step then
 * time order with their authors, and only the author, a researcher or a PI resolves (audited).
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, step, task, trajectory } from '@/server/db/schema';
import {
  addStepComment,
  countCommentsByTrajectory,
  listTrajectoryComments,
  resolveStepComment,
} from '@/server/services/comment-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

describe('comment-service', () => {
  let world: TestWorld;
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  /** A task with one trajectory of `steps` steps; @returns the trajectory id. */
  function seedTrajectory(steps: number): string {
    const taskId = randomUUID();
    const trajectoryId = randomUUID();
    world.db
      .insert(task)
      .values({
        id: taskId,
        externalId: `test:${taskId}`,
        source: 'test',
        intent: 'Buy a kayak',
        createdBy: 'test',
      })
      .run();
    world.db
      .insert(trajectory)
      .values({
        id: trajectoryId,
        externalId: `test:${trajectoryId}`,
        taskId,
        kind: 'rollout',
        source: 'test',
        stepCount: steps,
        contentHash: trajectoryId,
        createdBy: 'test',
      })
      .run();
    for (let i = 0; i < steps; i++) {
      world.db
        .insert(step)
        .values({
          id: randomUUID(),
          trajectoryId,
          index: i,
          actionType: 'scroll',
          action: { type: 'scroll', direction: 'down', raw: 'Scroll [WINDOW]; down' },
          actionDescription: 'Scroll down on the screen.',
        })
        .run();
    }
    return trajectoryId;
  }

  const auditRows = () =>
    world.db
      .select({
        action: auditLog.action,
        actor: auditLog.actor,
        objectType: auditLog.objectType,
        objectId: auditLog.objectId,
        before: auditLog.before,
        after: auditLog.after,
      })
      .from(auditLog)
      .all();

  it('adds a comment to a step, trimmed, with its author, and audits it', () => {
    const trajectoryId = seedTrajectory(3);
    const annotator = world.makeUser('annotator', 'ann@example.test');
    const comment = addStepComment(world.db, {
      trajectoryId,
      stepIndex: 2,
      userId: annotator.id,
      body: '  The click lands on the wrong button.\n',
    });
    expect(comment).toMatchObject({
      trajectoryId,
      stepIndex: 2,
      body: 'The click lands on the wrong button.',
      author: { id: annotator.id, name: 'annotator', email: 'ann@example.test' },
      resolvedAt: null,
      resolvedBy: null,
      canResolve: true,
    });
    expect(auditRows()).toEqual([
      {
        action: 'comment.add',
        actor: 'ann@example.test',
        objectType: 'trajectory',
        objectId: trajectoryId,
        before: null,
        after: { commentId: comment.id, stepIndex: 2, body: 'The click lands on the wrong button.' },
      },
    ]);
  });

  it('lists comments by step, then oldest first, and counts them per trajectory', () => {
    const trajectoryId = seedTrajectory(3);
    const other = seedTrajectory(1);
    const a = world.makeUser('annotator');
    const r = world.makeUser('researcher');
    const add = (stepIndex: number, body: string, userId = a.id) =>
      addStepComment(world.db, { trajectoryId, stepIndex, userId, body });
    add(2, 'third step, first');
    add(0, 'first step, first');
    add(2, 'third step, second', r.id);
    add(0, 'first step, second', r.id);

    const listed = listTrajectoryComments(world.db, trajectoryId, a);
    expect(listed.map((c) => [c.stepIndex, c.body, c.author?.id])).toEqual([
      [0, 'first step, first', a.id],
      [0, 'first step, second', r.id],
      [2, 'third step, first', a.id],
      [2, 'third step, second', r.id],
    ]);
    // The annotator may resolve only their own comments.
    expect(listed.map((c) => c.canResolve)).toEqual([true, false, true, false]);
    expect(listTrajectoryComments(world.db, other)).toEqual([]);

    resolveStepComment(world.db, { commentId: listed[0]!.id, actor: a });
    expect(countCommentsByTrajectory(world.db, [trajectoryId, other, 'missing'])).toEqual({
      [trajectoryId]: { total: 4, open: 3 },
      [other]: { total: 0, open: 0 },
      missing: { total: 0, open: 0 },
    });
    expect(countCommentsByTrajectory(world.db, [])).toEqual({});
  });

  it('rejects a step that does not exist, an empty or too long body, and unknown trajectories', () => {
    const trajectoryId = seedTrajectory(3);
    const a = world.makeUser('annotator');
    const add = (stepIndex: number, body = 'ok', id = trajectoryId) =>
      addStepComment(world.db, { trajectoryId: id, stepIndex, userId: a.id, body });

    expect(() => add(3)).toThrow(
      expect.objectContaining({
        code: 'BAD_INPUT',
        message: `stepIndex: 3 is not a step of trajectory ${trajectoryId} (0-based; it has steps 0–2, shown as 1–3)`,
      }),
    );
    expect(() => add(-1)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(/^stepIndex:/) as string }),
    );
    expect(() => add(0, '   \n ')).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: 'body: a comment cannot be empty' }),
    );
    expect(() => add(0, 'x'.repeat(5001))).toThrow(
      expect.objectContaining({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/^body: .*at most 5000/) as string,
      }),
    );
    expect(() => add(0, 'ok', 'nope')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: 'Trajectory nope not found' }),
    );
    expect(() => listTrajectoryComments(world.db, 'nope')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    // 5000 characters is still fine; nothing of the refused ones was stored or audited.
    expect(add(0, 'y'.repeat(5000)).body).toHaveLength(5000);
    expect(listTrajectoryComments(world.db, trajectoryId)).toHaveLength(1);
    expect(auditRows()).toHaveLength(1);
  });

  describe('through the router (roles)', () => {
    it('an annotator adds; another annotator cannot resolve it; a PI can, audited', async () => {
      const trajectoryId = seedTrajectory(2);
      const author = world.makeUser('annotator', 'author@example.test');
      const otherAnnotator = world.makeUser('annotator', 'other@example.test');
      const pi = world.makeUser('pi', 'pi@example.test');

      const comment = await world
        .caller(author)
        .comments.add({ trajectoryId, stepIndex: 1, body: 'Wrong field typed into' });
      expect(comment).toMatchObject({ stepIndex: 1, author: { email: 'author@example.test' } });

      // The other annotator sees it (visible to the next reviewer) but may not resolve it.
      const seen = await world.caller(otherAnnotator).comments.list({ trajectoryId });
      expect(seen).toMatchObject([{ id: comment.id, body: 'Wrong field typed into', canResolve: false }]);
      await expect(
        world.caller(otherAnnotator).comments.resolve({ commentId: comment.id }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(world.db.select().from(auditLog).where(eq(auditLog.action, 'comment.resolve')).all()).toEqual(
        [],
      );

      const resolved = await world.caller(pi).comments.resolve({ commentId: comment.id });
      expect(resolved).toMatchObject({
        resolvedAt: expect.any(Date) as Date,
        resolvedBy: { id: pi.id, email: 'pi@example.test' },
      });
      // Resolving again is a no-op: no second audit entry.
      await world.caller(pi).comments.resolve({ commentId: comment.id });
      expect(auditRows().filter((e) => e.action === 'comment.resolve')).toEqual([
        {
          action: 'comment.resolve',
          actor: 'pi@example.test',
          objectType: 'trajectory',
          objectId: trajectoryId,
          before: { commentId: comment.id, stepIndex: 1, resolvedAt: null },
          after: { commentId: comment.id, stepIndex: 1, resolvedAt: resolved.resolvedAt!.toISOString() },
        },
      ]);
    });

    it('the author and a researcher may resolve; unknown comments are NOT_FOUND', async () => {
      const trajectoryId = seedTrajectory(1);
      const author = world.makeUser('annotator');
      const researcher = world.makeUser('researcher');
      const first = await world.caller(author).comments.add({ trajectoryId, stepIndex: 0, body: 'one' });
      const second = await world.caller(author).comments.add({ trajectoryId, stepIndex: 0, body: 'two' });
      await expect(world.caller(author).comments.resolve({ commentId: first.id })).resolves.toMatchObject({
        resolvedBy: { id: author.id },
      });
      await expect(
        world.caller(researcher).comments.resolve({ commentId: second.id }),
      ).resolves.toMatchObject({ resolvedBy: { id: researcher.id } });
      await expect(world.caller(researcher).comments.resolve({ commentId: 'nope' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'Comment nope not found',
      });
    });

    it('a bad step index comes back as BAD_REQUEST with the field named', async () => {
      const trajectoryId = seedTrajectory(2);
      const author = world.makeUser('annotator');
      await expect(
        world.caller(author).comments.add({ trajectoryId, stepIndex: 5, body: 'hm' }),
      ).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/^stepIndex: 5 is not a step/) as string,
      });
      await expect(world.caller(null).comments.list({ trajectoryId })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });
  });
});
