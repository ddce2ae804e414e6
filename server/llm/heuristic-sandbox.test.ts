/**
 * The heuristic provider end to end with the REAL label-function sandbox (bubblewrap): stage K and
 * stage S through `abstractTrajectory` on every WebVoyager demo in `../shared/data`, each demo then
 * scored on its own linear graph (graph initialisation, DESIGN.md › Graph expansion) with
 * `computeVerdict`. Also checks that the prompt files parse and render, and that the extractor's
 * size limit is the sandbox's.
 *
 * Set `HEURISTIC_SANDBOX_REPORT=1` to print the per-demo table (key steps, flagged, attempts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import matter from 'gray-matter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { abstractTrajectory, keyStepsToPath } from '@/lib/core/abstraction/abstract';
import { extractPythonCode, MAX_LF_CODE_BYTES } from '@/lib/core/abstraction/extract-code';
import { computeSynthesisRates } from '@/lib/core/abstraction/synthesize';
import { createHeuristicTestClient } from '@/lib/core/abstraction/test-helpers';
import type { KeyStepResult, LfExecutor } from '@/lib/core/abstraction/types';
import { readWebVoyagerRuns } from '@/lib/core/import/node/webvoyager';
import type { ImportBundle } from '@/lib/core/import/types';
import { buildTrajectoryDict, type TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import { respondHeuristically } from '@/lib/core/llm/heuristic';
import { parsePromptBody, renderMessages } from '@/lib/core/llm/messages';
import { LLM_PURPOSES, type LlmStepView, type LlmTask, type PromptTemplate } from '@/lib/core/llm/types';
import { describeAction } from '@/lib/core/step-descriptions';
import { computeVerdict } from '@/lib/core/strategy-graph/verdict';
import {
  createLabelFunctionRunner,
  evaluateLabelFunction,
  MAX_LF_SOURCE_BYTES,
  type LabelFunctionRunner,
} from '@/server/sandbox/label-function-runner';
import { WEBVOYAGER_EXAMPLES_DIR } from '@/server/sandbox/test-trajectories';

const PROMPTS_DIR = path.resolve(process.cwd(), 'prompts');

function loadPromptFile(id: string): PromptTemplate {
  const parsed = matter(readFileSync(path.join(PROMPTS_DIR, `${id}.md`), 'utf8'), {});
  const data = parsed.data as { id?: unknown; version?: unknown };
  expect(data.id, `${id}.md front matter id`).toBe(id);
  expect(typeof data.version, `${id}.md front matter version`).toBe('string');
  return parsePromptBody(id, String(data.version), parsed.content);
}

interface Demo {
  name: string;
  objective: string;
  steps: LlmStepView[];
  trajectory: TrajectoryDict;
}

function toDemos(bundle: ImportBundle): Demo[] {
  return bundle.trajectories.map((trajectory) => {
    const task = bundle.tasks.find((t) => t.externalId === trajectory.taskExternalId)!;
    return {
      name: trajectory.externalId.replace(/^webvoyager:/, ''),
      objective: task.intent,
      steps: trajectory.steps.map((step) => ({
        index: step.index,
        description: step.actionDescription,
        action: step.action,
        url: step.url,
        title: step.title,
        observation: step.elementsText,
        screenshot: null,
      })),
      trajectory: buildTrajectoryDict({ task, trajectory, steps: trajectory.steps }),
    };
  });
}

let runner: LabelFunctionRunner;
let demos: Demo[];

beforeAll(async () => {
  [runner, demos] = await Promise.all([
    createLabelFunctionRunner(),
    readWebVoyagerRuns(WEBVOYAGER_EXAMPLES_DIR).then(toDemos),
  ]);
}, 120_000);

afterAll(async () => {
  await runner?.close();
});

describe('prompt files', () => {
  const ids = readdirSync(PROMPTS_DIR)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .map((file) => file.replace(/\.md$/, ''))
    .sort();

  it('has one prompt per purpose', () => {
    expect(ids).toEqual([...LLM_PURPOSES].sort());
  });

  it('every prompt parses and renders for its purpose without unknown placeholders', () => {
    const step: LlmStepView = {
      index: 0,
      description: "Click on a UI element 'Most stars' on the screen.",
      action: { type: 'click', elementId: '52', elementName: 'Most stars', raw: 'Click [52]' },
      url: 'https://github.com/search',
      title: 'Search',
      observation: '[52] "Most stars"',
      screenshot: { mediaHash: 'f'.repeat(64), mime: 'image/png' },
    };
    const tasks: LlmTask[] = [
      { purpose: 'key_steps', objective: 'o', environment: 'web', steps: [step] },
      {
        purpose: 'label_function',
        objective: 'o',
        environment: 'web',
        keyStep: step.description,
        step,
        attempt: 2,
        previousFeedback: 'returned False',
      },
      { purpose: 'intent_candidate', objective: 'o', environment: 'web', steps: [step] },
      { purpose: 'intent_refine', candidate: 'Sort GitHub results by stars' },
      {
        purpose: 'augment',
        objective: 'o',
        environment: 'web',
        template: 'Top-[n] products',
        params: { n: 1 },
        siblingParams: [{ n: 2 }],
        steps: [step],
        count: 3,
      },
      { purpose: 'ping' },
    ];
    for (const task of tasks) {
      const template = loadPromptFile(task.purpose);
      const messages = renderMessages(template, task);
      expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
      const text = JSON.stringify(messages);
      expect(text, task.purpose).not.toMatch(/\{\{\s*[a-z_]+\s*\}\}/);
    }
  });

  it('the label_function prompt names the predefined API and asks for one python block', () => {
    const template = loadPromptFile('label_function');
    for (const name of [
      'validate_click',
      'validate_type_action',
      'validate_keyboard_enter_action',
      'validate_answer',
      'validate_task_status',
      'label_function(trajectory)',
      '```python',
    ]) {
      expect(template.system + template.user).toContain(name);
    }
  });
});

describe('limits', () => {
  it("the code extractor's limit is the sandbox's source limit", () => {
    expect(MAX_LF_CODE_BYTES).toBe(MAX_LF_SOURCE_BYTES);
  });
});

describe('heuristic label functions in the real sandbox', () => {
  it('a name with quotes, backslashes and newlines stays one Python literal and matches', async () => {
    const name = 'Say "hi" \\ it\'s\nnew\tline — ünïcode 😀';
    const action = {
      type: 'click' as const,
      elementId: '1',
      elementRole: "bu'tton",
      elementName: name,
      raw: 'Click [1]',
    };
    const step: LlmStepView = {
      index: 0,
      description: describeAction(action, 'web'),
      action,
      url: null,
      title: null,
      observation: null,
      screenshot: null,
    };
    const trajectory = buildTrajectoryDict({
      task: { intent: 'x' },
      trajectory: { finalAnswer: null },
      steps: [
        {
          index: 0,
          url: null,
          title: null,
          elementsText: null,
          elements: [],
          action,
          actionDescription: step.description,
          thought: null,
          rawOutput: null,
        },
      ],
    });
    const reply = respondHeuristically({
      purpose: 'label_function',
      objective: 'x',
      environment: 'web',
      keyStep: step.description,
      step,
      attempt: 1,
      previousFeedback: null,
    });
    const code = extractPythonCode(reply).code!;
    const evaluation = await evaluateLabelFunction(runner, code, trajectory);
    expect(evaluation).toMatchObject({ outcome: 'ok', result: true, evidenceStep: 0 });
  });

  it('K + S on every WebVoyager demo: key steps found, and each demo Fully Passed on its own linear graph', async () => {
    expect(demos).toHaveLength(10);
    const execute: LfExecutor = (code, trajectory) => evaluateLabelFunction(runner, code, trajectory);
    const report: Record<
      string,
      {
        steps: number;
        keySteps: number;
        passed: number;
        flagged: number;
        attempts: number;
        firstTry: number;
        anyClick: number;
      }
    > = {};
    const all: KeyStepResult[] = [];

    for (const demo of demos) {
      const result = await abstractTrajectory({
        objective: demo.objective,
        environment: 'web',
        steps: demo.steps,
        trajectory: demo.trajectory,
        agent: createHeuristicTestClient('agent'),
        coder: createHeuristicTestClient('coder'),
        prompts: { keySteps: loadPromptFile('key_steps'), labelFunction: loadPromptFile('label_function') },
        execute,
        runId: `sandbox-${demo.name}`,
      });
      expect(result.parseFailed, demo.name).toBe(false);
      expect(result.keySteps.length, demo.name).toBeGreaterThan(0);
      for (const keyStep of result.keySteps) {
        expect(demo.steps[keyStep.stepIndex!]!.description).toBe(keyStep.description);
        for (const attempt of keyStep.attempts) {
          // Heuristic code always runs: no exception, no timeout, always a bool.
          expect(attempt.outcome, `${demo.name} #${keyStep.position}: ${attempt.error}`).toBe('ok');
        }
      }
      all.push(...result.keySteps);

      const { pool, ids, path: graph } = keyStepsToPath([], result.keySteps);
      expect(ids.length, demo.name).toBeGreaterThan(0);
      const evaluations = await runner.evaluate({
        labelFunctions: pool.map((node) => ({ id: node.id, code: node.label_function })),
        trajectories: [{ id: demo.name, trajectory: demo.trajectory }],
      });
      const results = Object.fromEntries(
        evaluations.map((r) => [
          r.labelFunctionId,
          { passed: r.evaluation.result === true, evidenceStep: r.evaluation.evidenceStep },
        ]),
      );
      const verdict = computeVerdict(graph, results);
      expect(verdict, demo.name).toEqual({ verdict: true, path: ids });

      const flagged = result.keySteps.filter((k) => k.status === 'flagged').length;
      report[demo.name] = {
        steps: demo.steps.length,
        keySteps: result.keySteps.length,
        passed: result.keySteps.length - flagged,
        flagged,
        attempts: result.keySteps.reduce((sum, k) => sum + k.attempts.length, 0),
        firstTry: result.keySteps.filter((k) => k.attempts[0]?.result === true).length,
        // Clicks whose element name the harness did not record: their check accepts any click.
        anyClick: result.keySteps.filter((k) => k.code?.includes('validate_click(trajectory, None, None)'))
          .length,
      };
    }

    const rates = computeSynthesisRates(all);
    const flagged = all.filter((k) => k.status === 'flagged').length;
    if (process.env.HEURISTIC_SANDBOX_REPORT) {
      console.table(report);
      console.log({ flagged, ...rates });
    }
    expect(rates.keySteps).toBe(all.length);
    // Heuristic label functions check what the demo recorded, so they all pass on it; the figure is
    // pinned so a regression in the templates or the API shows up here.
    expect(flagged).toBe(0);
    expect(rates.osr).toBe(1);
    expect(rates.esp).toBe(1);
  }, 120_000);
});
