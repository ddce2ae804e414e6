import Link from 'next/link';
import { DemoStatus } from '@/components/home/demo-status';

/** First screen of an empty installation: how to create the first account and import data. */
export function Welcome() {
  return (
    <div className="mx-auto mt-8 max-w-2xl space-y-6">
      <DemoStatus />
      <div>
        <h1 className="text-2xl font-semibold">Welcome to core-curator</h1>
        <p className="mt-2 text-slate-600">
          A workspace for curating GUI-agent self-training data with CORE: expert demos become label functions
          and strategy graphs, rollouts are scored against them, and people review what goes into the next
          fine-tuning round.
        </p>
      </div>
      <ol className="space-y-4">
        <li className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <h2 className="font-medium">1. Create the first account</h2>
          <p className="mt-1 text-sm text-slate-600">
            The first account becomes the <strong>PI</strong>, who then invites annotators and researchers.{' '}
            <Link href="/sign-up" className="font-medium text-indigo-700 underline">
              Create the first account
            </Link>
          </p>
        </li>
        <li className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <h2 className="font-medium">2. Import agent runs or tasks</h2>
          <p className="mt-1 text-sm text-slate-600">
            From the Import page (upload a folder or a .zip), or from a terminal:
          </p>
          <pre className="mt-2 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">
            {`npx core-curator import webvoyager ../shared/data/webvoyager/examples
npx core-curator import webarena-tasks ../shared/data/webarena/test_webarena.raw.json`}
          </pre>
        </li>
        <li className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <h2 className="font-medium">3. Browse</h2>
          <p className="mt-1 text-sm text-slate-600">
            Open a task, then a trajectory, and step through it with ← and →.
          </p>
        </li>
      </ol>
    </div>
  );
}
