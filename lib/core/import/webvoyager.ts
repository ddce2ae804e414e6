/**
 * WebVoyager run parser, pure (no file system): DESIGN.md › Formats › WebVoyager runs.
 *
 * A run folder (`taskAllrecipes--4/`) holds `interact_messages.json`, the OpenAI chat list the
 * WebVoyager harness (MinorJerry/WebVoyager, `run.py`) sent to the model, and `screenshot{i}.png`
 * for the i-th user turn (1-based). Step i pairs user turn i (observation) with the assistant turn
 * that follows it (thought + action). The file-system reader lives in `./node/webvoyager.ts`.
 */
import { z } from 'zod';

import { ImportFormatError } from '@/lib/core/errors';
import { parseJsonText, parseWithSchema } from '@/lib/core/import/format-errors';
import type { ImportBundle, ParsedStep, ParsedTask, ParsedTrajectory } from '@/lib/core/import/types';
import { findTaskStartUrlProblem, ZTaskStartUrlSchema } from '@/lib/core/rollouts/url-policy';
import { describeAction } from '@/lib/core/step-descriptions';
import type { ObservedElement, ScrollDirection, StepAction, ImportedTrajectoryKind } from '@/lib/core/types';

// ---------------------------------------------------------------------------------------------
// Input shapes
// ---------------------------------------------------------------------------------------------

const ZTextPartSchema = z.object({ type: z.literal('text'), text: z.string() });
const ZImagePartSchema = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string() }),
});
const ZContentPartSchema = z.discriminatedUnion('type', [ZTextPartSchema, ZImagePartSchema]);

const ZChatMessageSchema = z.object({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(ZContentPartSchema)]),
});

/** `interact_messages.json`: an OpenAI chat message list. */
export const ZWebVoyagerMessagesSchema = z.array(ZChatMessageSchema);
export type TWebVoyagerMessage = z.infer<typeof ZChatMessageSchema>;

/** One line of `WebVoyager_data.jsonl` (extra fields are ignored). */
export const ZWebVoyagerTaskRecordSchema = z.object({
  web_name: z.string().min(1),
  id: z.string().min(1),
  ques: z.string().min(1),
  /** The start URL: http(s) only. */
  web: ZTaskStartUrlSchema,
});
export type TWebVoyagerTaskRecord = z.infer<typeof ZWebVoyagerTaskRecordSchema>;

const ZReferenceAnswerSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  ans: z.string(),
});
/** `reference_answer.json`: `{ "<web_name>": { notice, answers: [{id, type, ans}] } }`. */
export const ZWebVoyagerReferenceAnswersSchema = z.record(
  z.string(),
  z.object({ notice: z.string().optional(), answers: z.array(ZReferenceAnswerSchema) }),
);
export type TWebVoyagerReferenceAnswers = z.infer<typeof ZWebVoyagerReferenceAnswersSchema>;
export type TWebVoyagerReferenceAnswer = z.infer<typeof ZReferenceAnswerSchema>;

/** WebVoyager's evaluation data for one task, as stored in `ParsedTask.evalSpec`. */
export interface WebVoyagerEvalSpec {
  /** The task's entries of `reference_answer.json` (`type` is `golden` or `possible`). */
  reference_answers: TWebVoyagerReferenceAnswer[];
  /** The site's `notice` (trimmed), e.g. `note that review information is real-time`; null when empty. */
  notice: string | null;
}

// ---------------------------------------------------------------------------------------------
// Task data files
// ---------------------------------------------------------------------------------------------

/**
 * Parses `WebVoyager_data.jsonl` text: one JSON object `{web_name, id, ques, web}` per line; blank
 * lines are skipped. Returns the records keyed by WebVoyager id (`Allrecipes--4`).
 * Raises {@link ImportFormatError} naming `file` and the 1-based line for bad JSON, a missing or
 * mistyped field (with its name), or an id seen on an earlier line.
 */
export function parseWebVoyagerTasksJsonl(text: string, file: string): Map<string, TWebVoyagerTaskRecord> {
  const records = new Map<string, TWebVoyagerTaskRecord>();
  const firstLineById = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((lineText, index) => {
    const line = index + 1;
    if (lineText.trim() === '') return;
    const json = parseJsonText(lineText, file, line);
    const record = parseWithSchema(ZWebVoyagerTaskRecordSchema, json, { file, line });
    const firstLine = firstLineById.get(record.id);
    if (firstLine !== undefined) {
      throw new ImportFormatError({
        file,
        line,
        field: 'id',
        reason: `duplicate task id '${record.id}' (first on line ${firstLine})`,
      });
    }
    firstLineById.set(record.id, line);
    records.set(record.id, record);
  });
  return records;
}

/**
 * Parses `reference_answer.json` text (`{ "<web_name>": {notice, answers: [{id, type, ans}]} }`).
 * Raises {@link ImportFormatError} naming `file` and the field path (e.g. `Allrecipes.answers[3].ans`).
 */
export function parseWebVoyagerReferenceAnswers(text: string, file: string): TWebVoyagerReferenceAnswers {
  return parseWithSchema(ZWebVoyagerReferenceAnswersSchema, parseJsonText(text, file), { file });
}

/**
 * Splits a WebVoyager task id into site and per-site number: `Google Search--3` → `{ webName:
 * 'Google Search', number: 3 }` (WebVoyager ids are `<web_name>--<n>`, `data/WebVoyager_data.jsonl`).
 * Returns null when the id does not have that form.
 */
export function splitWebVoyagerId(id: string): { webName: string; number: number } | null {
  const match = /^(.*)--(\d+)$/.exec(id);
  if (!match?.[1] || match[2] === undefined) return null;
  return { webName: match[1], number: Number(match[2]) };
}

/**
 * Looks up a task's reference answers: the entries of `refs[webName].answers` whose numeric `id`
 * equals the number in the task id. Returns null when the site or the entry is absent.
 */
export function findWebVoyagerReference(
  refs: TWebVoyagerReferenceAnswers,
  webVoyagerId: string,
  webName?: string,
): WebVoyagerEvalSpec | null {
  const parts = splitWebVoyagerId(webVoyagerId);
  if (!parts) return null;
  const site = refs[webName ?? parts.webName];
  if (!site) return null;
  const answers = site.answers.filter((answer) => answer.id === parts.number);
  if (answers.length === 0) return null;
  const notice = site.notice?.trim() ?? '';
  return { reference_answers: answers, notice: notice === '' ? null : notice };
}

/** Run folder name → WebVoyager task id: the harness names folders `task<id>` (`taskAllrecipes--4`). */
export function getWebVoyagerIdFromRunName(runName: string): string {
  return runName.startsWith('task') && runName.length > 4 ? runName.slice(4) : runName;
}

// ---------------------------------------------------------------------------------------------
// Observations
// ---------------------------------------------------------------------------------------------

/** Text right before the set-of-marks element list in every WebVoyager observation prompt (`run.py`). */
const SET_OF_MARKS_MARKER = 'refer to the textual information.\n';
/** Text right before the accessibility tree in WebVoyager's text-only mode (`run.py`, `--text_only`). */
const ACCESSIBILITY_TREE_MARKER = 'analyze the accessibility tree and give the Thought and Action.\n';

/**
 * Parses a WebVoyager set-of-marks element list, as built by `utils.get_web_element_rect`:
 * entries `[<label>]: <tag>? "<visible text>"(, "<aria-label>")?;` joined by a tab, e.g.
 * `[1]: <button> "Product";\t[4]: "Pricing";\t[33]: "5", "5 stars";`.
 *
 * Each entry becomes `{ id: '<label>', role: '<tag>' or null, name, box: null }`; the name is the
 * visible text, or the aria-label when the visible text is empty (an entry with two quoted strings
 * prints the visible text first). Text inside names is kept as given (newlines included). Lists
 * our runner printed may add ` (states)` and ` — in "context"` after the name
 * (`lib/core/rollouts/elements.ts`); they become `states` and `context`.
 * Never raises: text that is not an element list yields `[]`.
 */
export function parseWebVoyagerElements(text: string): ObservedElement[] {
  const starts: { id: string; start: number; bodyStart: number }[] = [];
  const entryStart = /(^|;\t)\[(\d+)\]: ?/g;
  for (let match = entryStart.exec(text); match; match = entryStart.exec(text)) {
    const prefix = match[1] ?? '';
    starts.push({ id: match[2] ?? '', start: match.index + prefix.length, bodyStart: entryStart.lastIndex });
  }
  return starts.map((entry, i) => {
    const next = starts[i + 1];
    // The next entry's match begins with the `;\t` separator, so the body ends right before it.
    let body = next ? text.slice(entry.bodyStart, next.start - 2) : text.slice(entry.bodyStart);
    if (!next) body = body.replace(/;\s*$/, '');
    let role: string | null = null;
    const tag = /^<([^<>\s]+)>\s*/.exec(body);
    if (tag) {
      role = tag[1] ?? null;
      body = body.slice(tag[0].length);
    }
    // Our own live lists may add ` (states)` and ` — in "context"` after the name (elements.ts).
    const ours = /^"([^"]*)"(?: \(([^()]*)\))?(?: — in "([^"]*)")?\s*$/.exec(body.trim());
    if (ours && (ours[2] !== undefined || ours[3] !== undefined)) {
      const element: ObservedElement = { id: entry.id, role, name: ours[1] ?? '', box: null };
      if (ours[2]) element.states = ours[2].split(', ');
      if (ours[3]) element.context = ours[3];
      return element;
    }
    return { id: entry.id, role, name: readQuotedName(body), box: null };
  });
}

function readQuotedName(body: string): string {
  const trimmed = body.trim();
  if (!(trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"'))) return trimmed;
  const inner = trimmed.slice(1, -1);
  const separator = inner.indexOf('", "');
  if (separator < 0) return inner;
  const visible = inner.slice(0, separator);
  const aria = inner.slice(separator + 4);
  return visible.trim() === '' ? aria : visible;
}

/**
 * Parses an accessibility tree as WebVoyager's text-only mode prints it (WebArena convention):
 * lines `[<id>] <role> '<name>' <properties>`, indented by tabs. Lines of another shape are skipped.
 */
export function parseAccessibilityTreeElements(text: string): ObservedElement[] {
  const elements: ObservedElement[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*\[(\d+)\]\s+(\S+)\s+(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")?/.exec(line);
    if (!match) continue;
    elements.push({
      id: match[1] ?? '',
      role: match[2] ?? null,
      name: match[3] ?? match[4] ?? '',
      box: null,
    });
  }
  return elements;
}

/**
 * Extracts the element list from one user turn's text. Returns `elementsText` (the list exactly as
 * given, after the prompt preamble) and the parsed elements; `{ elementsText: null, elements: [] }`
 * when the turn carries none (turns clipped by the harness to
 * `Observation: A screenshot and some texts. (Omitted in context.)`).
 */
export function extractWebVoyagerObservation(userText: string): {
  elementsText: string | null;
  elements: ObservedElement[];
} {
  const somAt = userText.indexOf(SET_OF_MARKS_MARKER);
  if (somAt >= 0) {
    const elementsText = userText.slice(somAt + SET_OF_MARKS_MARKER.length);
    return { elementsText, elements: parseWebVoyagerElements(elementsText) };
  }
  const treeAt = userText.indexOf(ACCESSIBILITY_TREE_MARKER);
  if (treeAt >= 0) {
    const elementsText = userText.slice(treeAt + ACCESSIBILITY_TREE_MARKER.length);
    return { elementsText, elements: parseAccessibilityTreeElements(elementsText) };
  }
  return { elementsText: null, elements: [] };
}

/**
 * Extracts intent and start URL from the first user turn, which `run.py` opens with
 * `Now given a task: <ques>  Please interact with <web> and get the answer.`
 * Returns null when the turn does not have that form.
 */
export function extractWebVoyagerTaskStatement(
  userText: string,
): { intent: string; startUrl: string } | null {
  const match = /Now given a task:\s*([\s\S]*?)\s*Please interact with\s+(\S+?)\s+and get the answer/.exec(
    userText,
  );
  if (!match?.[1] || !match[2]) return null;
  return { intent: match[1].trim(), startUrl: match[2] };
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/** Removes one pair of brackets around a whole value, as WebVoyager's regexes do (`[Content]`). */
function stripBrackets(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('[') && trimmed.endsWith(']') && trimmed.indexOf(']') === trimmed.length - 1
    ? trimmed.slice(1, -1).trim()
    : trimmed;
}

/** Finds the `Action:` label: first at a line start (case and markdown bold tolerated), else anywhere. */
function findActionLabel(output: string): { index: number; length: number } | null {
  const atLineStart = /(^|\n)[ \t>*_-]*action[ \t*_]*:[ \t*_]*/i.exec(output);
  if (atLineStart) {
    const lead = atLineStart[1] ?? '';
    return { index: atLineStart.index + lead.length, length: atLineStart[0].length - lead.length };
  }
  const anywhere = output.indexOf('Action:');
  return anywhere >= 0 ? { index: anywhere, length: 'Action:'.length } : null;
}

/**
 * Parses one assistant turn of a WebVoyager run: `Thought: … \n\nAction: <action>` with the action
 * one of (WebVoyager's system prompt and `run.py` `extract_information`):
 * `Click [n]` · `Type [n]; text` · `Scroll [n|WINDOW]; up|down` · `Wait` · `GoBack` · `Google` ·
 * `ANSWER; text`.
 *
 * Lenient about the keyword's case and the whitespace / brackets / separator around arguments;
 * `elements` (that step's element list) fills `elementRole` / `elementName` for the target label.
 * `raw` is the action text after `Action:` (trimmed). A turn without `Action:` or with an
 * unrecognised action yields `type: 'unknown'` (raw = the action text, or the whole turn when there
 * is no `Action:`); never raises. `thought` is the text after `Thought:` (or before `Action:`),
 * null when empty.
 */
export function parseWebVoyagerAction(
  output: string,
  elements: readonly ObservedElement[] = [],
): { action: StepAction; thought: string | null } {
  const label = findActionLabel(output);
  const before = label ? output.slice(0, label.index) : output;
  const thoughtMatch = /thought\s*:\s*/i.exec(before);
  const thoughtText = (
    thoughtMatch ? before.slice(thoughtMatch.index + thoughtMatch[0].length) : before
  ).trim();
  const thought = label || thoughtMatch ? (thoughtText === '' ? null : thoughtText) : null;
  if (!label) return { action: { type: 'unknown', raw: output.trim() }, thought };

  const raw = output.slice(label.index + label.length).trim();
  const text = raw.replace(/^[`*\s]+/, '').replace(/[`*\s]+$/, '');
  return { action: parseActionText(text, raw, elements), thought };
}

function withElement(action: StepAction, id: string, elements: readonly ObservedElement[]): StepAction {
  action.elementId = id;
  const element = elements.find((candidate) => candidate.id === id);
  if (element?.role) action.elementRole = element.role;
  if (element && element.name.trim() !== '') action.elementName = element.name;
  return action;
}

function parseActionText(text: string, raw: string, elements: readonly ObservedElement[]): StepAction {
  const click = /^click\s*\[?\s*(\d+)\s*\]?/i.exec(text);
  if (click?.[1]) return withElement({ type: 'click', raw }, click[1], elements);

  const type = /^type\s*\[?\s*(\d+)\s*\]?\s*[;:,]?\s*([\s\S]*)$/i.exec(text);
  if (type?.[1])
    return withElement({ type: 'type', text: stripBrackets(type[2] ?? ''), raw }, type[1], elements);

  const scroll = /^scroll\s*\[?\s*(\d+|window)\s*\]?\s*[;:,]?\s*\[?\s*(up|down)?\s*\]?/i.exec(text);
  if (scroll?.[1]) {
    const action: StepAction = { type: 'scroll', raw };
    if (scroll[2]) action.direction = scroll[2].toLowerCase() as ScrollDirection;
    return /^window$/i.test(scroll[1]) ? action : withElement(action, scroll[1], elements);
  }
  if (/^wait\b/i.test(text)) return { type: 'wait', raw };
  if (/^go\s*back\b/i.test(text)) return { type: 'go_back', raw };
  if (/^google\b/i.test(text)) return { type: 'google', raw };

  const answer = /^answer\b\s*[;:,]?\s*([\s\S]*)$/i.exec(text);
  if (answer) return { type: 'answer', answer: stripBrackets(answer[1] ?? ''), raw };

  return { type: 'unknown', raw };
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

function getMessageText(message: TWebVoyagerMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

export interface ParseWebVoyagerRunParams {
  /** Run folder name, e.g. `taskGoogle Search--3`; gives the WebVoyager id and the trajectory key. */
  runName: string;
  /** Path of `interact_messages.json`, used in errors and warnings. */
  file: string;
  /** Contents of `interact_messages.json`. */
  text: string;
  /** Absolute path of `screenshot{i}.png` in the run folder, or null when the file is absent. */
  resolveScreenshot: (fileName: string) => string | null;
  kind: ImportedTrajectoryKind;
  /** The task's `WebVoyager_data.jsonl` record; overrides intent, start URL and site. */
  taskRecord?: TWebVoyagerTaskRecord;
  /** The task's reference answers (`reference_answer.json`), stored as `evalSpec`. */
  reference?: WebVoyagerEvalSpec | null;
}

/**
 * Parses one WebVoyager run into a task and an expert/rollout trajectory.
 *
 * Rules (WebVoyager `run.py`): the i-th user turn (1-based) is observed on `screenshot{i}.png`;
 * step i = (user turn i, the assistant turn after it); intent / start URL come from the first user
 * turn (`Now given a task: … Please interact with <url> and get the answer.`) unless `taskRecord`
 * gives them; the final answer is the text of the last `ANSWER` action; `envSuccess` is null (the
 * run files hold no environment verdict); step `url` / `title` are null (not recorded).
 *
 * Warnings (not errors): a missing screenshot (step kept, `screenshotFile: null`), a user turn with
 * no assistant reply or an assistant turn with no user turn before it (skipped), an unknown role.
 * Raises {@link ImportFormatError} naming `file` and the JSON field path for bad JSON, a non-list,
 * a message without `role` / `content` or with wrongly typed content parts (e.g. `[4].content`), and
 * when no task statement and no `taskRecord` give the intent (`[1].content`).
 */
export function parseWebVoyagerRun(params: ParseWebVoyagerRunParams): {
  task: ParsedTask;
  trajectory: ParsedTrajectory;
  warnings: string[];
} {
  const { file, runName } = params;
  const messages = parseWithSchema(ZWebVoyagerMessagesSchema, parseJsonText(params.text, file), { file });
  const warnings: string[] = [];
  const steps: ParsedStep[] = [];
  let userTurns = 0;
  let statement: { intent: string; startUrl: string } | null = null;
  let firstUserIndex: number | null = null;
  let pending: { turn: number; messageIndex: number; text: string } | null = null;

  for (const [messageIndex, message] of messages.entries()) {
    if (message.role === 'user') {
      if (pending) {
        warnings.push(
          `${file}: user turn ${pending.turn} ([${pending.messageIndex}]) has no assistant reply; skipped`,
        );
      }
      userTurns += 1;
      const text = getMessageText(message);
      if (firstUserIndex === null) {
        firstUserIndex = messageIndex;
        statement = extractWebVoyagerTaskStatement(text);
      }
      pending = { turn: userTurns, messageIndex, text };
    } else if (message.role === 'assistant') {
      if (!pending) {
        warnings.push(`${file}: assistant turn [${messageIndex}] follows no user turn; skipped`);
        continue;
      }
      const observation = extractWebVoyagerObservation(pending.text);
      const rawOutput = getMessageText(message);
      const { action, thought } = parseWebVoyagerAction(rawOutput, observation.elements);
      const screenshotName = `screenshot${pending.turn}.png`;
      const screenshotFile = params.resolveScreenshot(screenshotName);
      const index = steps.length;
      if (screenshotFile === null) {
        warnings.push(
          `${file}: ${screenshotName} is missing for step ${index}; step kept without a screenshot`,
        );
      }
      steps.push({
        index,
        url: null,
        title: null,
        elementsText: observation.elementsText,
        elements: observation.elements,
        screenshotFile,
        action,
        actionDescription: describeAction(action, 'web'),
        thought,
        rawOutput,
      });
      pending = null;
    } else if (message.role !== 'system') {
      warnings.push(`${file}: message [${messageIndex}] has unknown role '${message.role}'; skipped`);
    }
  }
  if (pending) {
    warnings.push(
      `${file}: user turn ${pending.turn} ([${pending.messageIndex}]) has no assistant reply; skipped`,
    );
  }

  const webVoyagerId = params.taskRecord?.id ?? getWebVoyagerIdFromRunName(runName);
  const intent = params.taskRecord?.ques ?? statement?.intent;
  if (!intent) {
    throw new ImportFormatError({
      file,
      field: firstUserIndex === null ? null : `[${firstUserIndex}].content`,
      reason:
        firstUserIndex === null
          ? 'no user turn, so no task statement'
          : "first user turn does not state the task ('Now given a task: … Please interact with <url> and get the answer.')",
    });
  }

  const startUrl = params.taskRecord?.web ?? statement?.startUrl ?? null;
  const startUrlProblem = startUrl === null ? null : findTaskStartUrlProblem(startUrl);
  if (startUrlProblem) {
    // Only the first user turn can have given it (a task record's `web` was checked when parsed).
    throw new ImportFormatError({
      file,
      field: `[${firstUserIndex}].content`,
      reason: `start URL ${JSON.stringify(startUrl)}: ${startUrlProblem}`,
    });
  }

  const task: ParsedTask = {
    externalId: `webvoyager:${webVoyagerId}`,
    source: 'webvoyager',
    intent,
    startUrl,
    environment: 'web',
    site: params.taskRecord?.web_name ?? splitWebVoyagerId(webVoyagerId)?.webName ?? null,
    template: null,
    params: null,
    origin: 'seed',
    evalSpec: params.reference ?? null,
    meta: { webvoyager_id: webVoyagerId },
  };

  let finalAnswer: string | null = null;
  for (const step of steps) {
    if (step.action.type === 'answer') finalAnswer = step.action.answer ?? '';
  }

  const trajectory: ParsedTrajectory = {
    externalId: `webvoyager:${runName}`,
    taskExternalId: task.externalId,
    kind: params.kind,
    source: 'webvoyager',
    envSuccess: null,
    finalAnswer,
    steps,
  };
  return { task, trajectory, warnings };
}

/**
 * Collects parsed runs into one {@link ImportBundle}: tasks deduplicated by `externalId` (first run
 * wins; a later run stating another intent adds a warning), trajectories in the given order.
 */
export function bundleWebVoyagerRuns(
  runs: readonly { task: ParsedTask; trajectory: ParsedTrajectory; warnings: readonly string[] }[],
  extraWarnings: readonly string[] = [],
): ImportBundle {
  const tasks = new Map<string, ParsedTask>();
  const warnings = [...extraWarnings];
  for (const run of runs) {
    warnings.push(...run.warnings);
    const existing = tasks.get(run.task.externalId);
    if (!existing) tasks.set(run.task.externalId, run.task);
    else if (existing.intent !== run.task.intent) {
      warnings.push(
        `${run.trajectory.externalId}: states another intent for ${run.task.externalId} than an earlier run; the first is kept`,
      );
    }
  }
  return { tasks: [...tasks.values()], trajectories: runs.map((run) => run.trajectory), warnings };
}
