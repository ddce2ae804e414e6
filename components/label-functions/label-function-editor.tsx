'use client';
/**
 * The label-function editor of one pool node (issue 5 › Label-function editing): the code in a
 * CodeMirror editor (read-only for annotators), a test run of the draft against the current version
 * on demos and chosen rollouts, saving a new version with a reason (refused when someone else saved
 * since the edit began — never a silent overwrite), rescoring progress, and the version history with
 * diffs and revert. Unsaved edits are guarded on reload, close and in-app links.
 *
 * The edit remembers the version it started from (`edit.base`): refetches of the editor query
 * (e.g. on window focus) may show a newer current version, but the save is still based on the one
 * the edit came from, so the server can refuse it.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { isModShortcut } from '@/components/label-functions/lf-editor-display';
import { SavePanel, type SavedVersion } from '@/components/label-functions/save-panel';
import { TestRunPanel, useLabelFunctionTest } from '@/components/label-functions/test-run-panel';
import { useUnsavedChangesGuard } from '@/components/label-functions/use-unsaved-changes-guard';
import { VersionHistory } from '@/components/label-functions/version-history';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/states';
import { hasScope, type Role } from '@/lib/core/roles';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/trpc/root';

const CodeEditor = dynamic(() => import('@/components/label-functions/code-editor'), {
  ssr: false,
  loading: () => (
    <div className="h-96 animate-pulse rounded-md bg-slate-100" aria-label="Loading the editor" />
  ),
});

type Outputs = inferRouterOutputs<AppRouter>['labelFunctions'];
type EditorData = Outputs['editor'];
type Version = Outputs['versions'][number];

interface BaseVersion {
  id: string;
  version: number;
  code: string;
}

/** An edit in progress: the text, and the version it started from (null: the node had none). */
interface Edit {
  code: string;
  base: BaseVersion | null;
}

export function LabelFunctionEditor({ nodeId, role }: { nodeId: string; role: Role }) {
  const trpc = useTRPC();
  const editor = useQuery(trpc.labelFunctions.editor.queryOptions({ nodeId }));
  const versions = useQuery(trpc.labelFunctions.versions.queryOptions({ nodeId }));
  const crumbs = (
    <Breadcrumbs
      items={[
        { label: 'Tasks', href: '/tasks' },
        { label: `Label function · node ${nodeId}`, mono: true },
      ]}
    />
  );
  if (editor.isPending || versions.isPending) {
    return (
      <div className="space-y-3">
        {crumbs}
        <p className="text-sm text-slate-600">Loading the label function…</p>
      </div>
    );
  }
  if (editor.isError || versions.isError) {
    return (
      <div className="space-y-3">
        {crumbs}
        <ErrorMessage>
          Could not load the label function: {(editor.error ?? versions.error)?.message ?? 'unknown error'}
        </ErrorMessage>
      </div>
    );
  }
  return (
    <div className="space-y-5">
      {crumbs}
      <Workspace nodeId={nodeId} role={role} editor={editor.data} versions={versions.data} />
    </div>
  );
}

function Workspace({
  nodeId,
  role,
  editor,
  versions,
}: {
  nodeId: string;
  role: Role;
  editor: EditorData;
  versions: Version[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = hasScope(role, 'label-functions:edit');
  const current: BaseVersion | null = editor.current
    ? { id: editor.current.id, version: editor.current.version, code: editor.current.code }
    : null;

  const [edit, setEdit] = useState<Edit | null>(null);
  const [reason, setReason] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState<SavedVersion | null>(null);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(editor.defaultSampleIds));
  const reasonInputId = useId();

  const code = edit?.code ?? current?.code ?? '';
  const base = edit ? edit.base : current;
  const isDirty = edit !== null && edit.code !== (edit.base?.code ?? '');
  const isStale = edit !== null && (edit.base?.id ?? null) !== (current?.id ?? null);
  useUnsavedChangesGuard(isDirty);

  const testRun = useLabelFunctionTest(nodeId);

  const refresh = useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.labelFunctions.editor.queryKey({ nodeId }) }),
        queryClient.invalidateQueries({ queryKey: trpc.labelFunctions.versions.queryKey({ nodeId }) }),
      ]),
    [queryClient, trpc, nodeId],
  );

  const save = useMutation(
    trpc.labelFunctions.save.mutationOptions({
      onSuccess: async (r) => {
        await refresh();
        setEdit(null);
        setReason('');
        setSaved({
          version: r.version,
          how: 'save',
          affectedTaskIds: r.affectedTaskIds,
          scoreJobId: r.scoreJobId,
        });
      },
      // A refused save leaves the edit alone; the refetch shows who saved what in the meantime.
      onError: () => void refresh(),
    }),
  );
  const revert = useMutation(
    trpc.labelFunctions.revert.mutationOptions({
      onSuccess: async (r, input) => {
        const target = versions.find((v) => v.id === input.toVersionId);
        await refresh();
        setEdit(null);
        setSaved({
          version: r.version,
          how: target ? `revert to v${target.version}` : 'revert',
          affectedTaskIds: r.affectedTaskIds,
          scoreJobId: r.scoreJobId,
        });
      },
      onError: () => void refresh(),
    }),
  );

  const onCodeChange = (next: string) => {
    setEdit((prev) => ({ code: next, base: prev ? prev.base : current }));
    setFormError(null);
  };

  const doSave = () => {
    if (!canEdit || save.isPending) return;
    if (!isDirty) {
      setFormError('Nothing to save: the code is the same as the version you started from.');
      return;
    }
    if (!reason.trim()) {
      setFormError('Give a reason for the change before saving.');
      document.getElementById(reasonInputId)?.focus();
      return;
    }
    setFormError(null);
    save.mutate({ nodeId, code, basedOnVersionId: base?.id ?? null, reason });
  };

  const runTest = () => {
    if (!canEdit || selected.size === 0 || selected.size > editor.maxTestTrajectories || !code.trim()) return;
    testRun.run(code, [...selected]);
  };

  const reload = async () => {
    if (isDirty && !window.confirm('Load the current version? Your edits will be discarded.')) return;
    await refresh();
    setEdit(null);
    setFormError(null);
    save.reset();
  };

  const onRevert = (v: Version) => {
    const lose = isDirty ? ' Your unsaved edits will be discarded.' : '';
    const message = `Revert to v${v.version}? Its code is saved as a new version and the tasks using this node are rescored.${lose}`;
    if (!window.confirm(message)) return;
    revert.mutate({ nodeId, toVersionId: v.id, basedOnVersionId: base?.id ?? null });
  };

  // Shortcuts when the focus is outside the code editor (it handles its own).
  const shortcuts = useRef({ doSave, runTest });
  useEffect(() => {
    shortcuts.current = { doSave, runTest };
  });
  useEffect(() => {
    if (!canEdit) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.target instanceof Element && event.target.closest('.cm-editor')) return;
      if (isModShortcut(event, 's')) {
        event.preventDefault();
        shortcuts.current.doSave();
      } else if (isModShortcut(event, 'Enter')) {
        event.preventDefault();
        shortcuts.current.runTest();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [canEdit]);

  const saveError = formError ?? (save.isError ? save.error.message : null);
  const isConflict = formError === null && save.error?.data?.code === 'CONFLICT';

  return (
    <>
      <PageHeader
        title={`Label function · node ${editor.node.id}`}
        subtitle={editor.node.description}
        actions={
          <span className="flex items-center gap-2">
            {current ? <Badge tone="indigo">current v{current.version}</Badge> : <Badge>no version</Badge>}
            {isDirty ? <Badge tone="amber">unsaved changes</Badge> : null}
          </span>
        }
      />
      <div className="grid gap-5 xl:grid-cols-[minmax(0,1fr)_26rem]">
        <div className="min-w-0 space-y-5">
          <Card title={base ? `Code · editing from v${base.version}` : 'Code'}>
            <div className="space-y-3">
              {!canEdit ? (
                <p className="text-sm text-slate-600">
                  Read-only: you can read the code and its history; editing needs the researcher role.
                </p>
              ) : null}
              {isStale ? (
                <div
                  role="alert"
                  className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200"
                >
                  <p>
                    Someone saved v{current?.version ?? '?'} after you started editing from v
                    {edit?.base?.version ?? '?'}. Saving your edit will be refused; reload the current version
                    (copy anything you want to keep first).
                  </p>
                  <Button variant="secondary" className="mt-2" onClick={() => void reload()}>
                    Reload current version
                  </Button>
                </div>
              ) : null}
              <CodeEditor
                value={code}
                onChange={onCodeChange}
                readOnly={!canEdit}
                label={`Label function of node ${editor.node.id}`}
                onRun={runTest}
                onSave={doSave}
              />
              <p className="text-xs text-slate-500">
                Python: define <code>label_function(trajectory) -&gt; bool</code> using the predefined API (
                <code>validate_click</code>, <code>validate_type_action</code>, <code>validate_answer</code>,
                …). Code only ever runs in the sandbox.
              </p>
            </div>
          </Card>
          {canEdit ? (
            <SavePanel
              baseCode={edit?.base?.code ?? ''}
              baseVersion={edit?.base?.version ?? null}
              code={code}
              isDirty={isDirty}
              reason={reason}
              onReasonChange={setReason}
              onSave={doSave}
              isSaving={save.isPending}
              error={saveError}
              isConflict={isConflict}
              onReload={() => void reload()}
              saved={saved}
              reasonInputId={reasonInputId}
            />
          ) : null}
        </div>
        <div className="min-w-0 space-y-5">
          <Card title={`Used by ${editor.taskTotal} task${editor.taskTotal === 1 ? '' : 's'}`}>
            {editor.tasks.length === 0 ? (
              <p className="text-sm text-slate-600">No task&apos;s current strategy graph uses this node.</p>
            ) : (
              <ul className="max-h-48 space-y-1 overflow-y-auto text-sm">
                {editor.tasks.map((t) => (
                  <li key={t.id}>
                    <Link
                      className="font-mono text-xs text-indigo-700 hover:underline"
                      href={`/tasks/${t.id}`}
                    >
                      {t.externalId}
                    </Link>
                    <span className="block truncate text-xs text-slate-600">{t.intent}</span>
                  </li>
                ))}
                {editor.taskTotal > editor.tasks.length ? (
                  <li className="text-xs text-slate-500">+{editor.taskTotal - editor.tasks.length} more</li>
                ) : null}
              </ul>
            )}
          </Card>
          <VersionHistory
            versions={versions}
            canEdit={canEdit}
            onRevert={onRevert}
            revertingId={revert.isPending ? (revert.variables?.toVersionId ?? null) : null}
            revertError={revert.isError ? revert.error.message : null}
          />
        </div>
      </div>
      {canEdit ? (
        <TestRunPanel
          editor={editor}
          selected={selected}
          onSelectedChange={setSelected}
          testRun={testRun}
          code={code}
          canEdit={canEdit}
        />
      ) : null}
    </>
  );
}
