'use client';
/**
 * The Import page: pick a format (and for WebVoyager the trajectory kind), then a folder or a
 * .zip / .json file; the upload goes to `POST /api/import` (multipart) and becomes a job whose
 * progress, summary or error this panel follows. Below: recent imports and the CLI equivalent.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Select } from '@/components/ui/field';
import { ErrorMessage, ProgressBar } from '@/components/ui/states';
import { formatCount } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';
import { ImportJobProgress } from '@/components/import/import-job-progress';
import { RecentImports } from '@/components/import/recent-imports';
import {
  buildImportForm,
  IMPORT_FORMATS,
  NO_SOURCE_MESSAGE,
  TRAJECTORY_KINDS,
  uploadImport,
  type ImportFormatValue,
  type ImportSource,
  type TrajectoryKindValue,
} from '@/components/import/upload-import';

/** `webkitdirectory` is not in React's input types; every current browser supports it. */
const FOLDER_PICKER_ATTRIBUTES: Record<string, string> = { webkitdirectory: '' };

const FILE_INPUT_CLASS =
  'block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200';

/** A hint under a control, linked to it with `aria-describedby` (kept out of the label's name). */
function Hint({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p id={id} className="mt-1 text-xs text-slate-500">
      {children}
    </p>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function describeSource(source: ImportSource): string {
  if (source.type === 'archive') return `file “${source.file.name}” (${formatBytes(source.file.size)})`;
  const bytes = source.files.reduce((sum, f) => sum + f.size, 0);
  return `folder “${source.name}” (${formatCount(source.files.length, 'file')}, ${formatBytes(bytes)})`;
}

function isImportFormat(value: string): value is ImportFormatValue {
  return IMPORT_FORMATS.some((f) => f.value === value);
}

function isTrajectoryKind(value: string): value is TrajectoryKindValue {
  return TRAJECTORY_KINDS.some((k) => k.value === value);
}

export function ImportPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [format, setFormat] = useState<ImportFormatValue>('webvoyager');
  const [kind, setKind] = useState<TrajectoryKindValue>('expert');
  const [source, setSource] = useState<ImportSource | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [uploadFraction, setUploadFraction] = useState(0);
  const folderInput = useRef<HTMLInputElement>(null);
  const archiveInput = useRef<HTMLInputElement>(null);
  const uploadAbort = useRef<AbortController | null>(null);
  const idPrefix = useId();

  const upload = useMutation({
    mutationFn: (form: FormData) => {
      const controller = new AbortController();
      uploadAbort.current = controller;
      setUploadFraction(0);
      return uploadImport(form, { onProgress: setUploadFraction, signal: controller.signal });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() });
    },
    onSettled: () => {
      uploadAbort.current = null;
    },
  });
  const jobId = upload.data;
  const formatInfo = IMPORT_FORMATS.find((f) => f.value === format) ?? IMPORT_FORMATS[0];

  function onFolderChange(e: ChangeEvent<HTMLInputElement>) {
    const files = Array.from(e.currentTarget.files ?? []);
    setFormError(null);
    if (files.length === 0) {
      setSource(null);
      return;
    }
    if (archiveInput.current) archiveInput.current.value = '';
    const name = files[0]?.webkitRelativePath.split('/')[0] || 'folder';
    setSource({ type: 'folder', name, files });
  }

  function onArchiveChange(e: ChangeEvent<HTMLInputElement>) {
    const file = e.currentTarget.files?.[0];
    setFormError(null);
    if (!file) {
      setSource(null);
      return;
    }
    if (folderInput.current) folderInput.current.value = '';
    setSource({ type: 'archive', file });
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!source) {
      setFormError(NO_SOURCE_MESSAGE);
      return;
    }
    setFormError(null);
    upload.mutate(buildImportForm({ format, kind, source }));
  }

  return (
    <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <div className="min-w-0 space-y-5">
        <Card title="New import">
          <form onSubmit={onSubmit} aria-label="New import" className="space-y-4">
            <div className="grid gap-4 sm:grid-cols-2">
              <div>
                <Field label="Format">
                  <Select
                    name="format"
                    aria-describedby={`${idPrefix}-format-hint`}
                    value={format}
                    onChange={(e) => {
                      if (isImportFormat(e.currentTarget.value)) setFormat(e.currentTarget.value);
                    }}
                  >
                    {IMPORT_FORMATS.map((f) => (
                      <option key={f.value} value={f.value}>
                        {f.label}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Hint id={`${idPrefix}-format-hint`}>{formatInfo.description}</Hint>
              </div>
              {format === 'webvoyager' ? (
                <div>
                  <Field label="Kind">
                    <Select
                      name="kind"
                      aria-describedby={`${idPrefix}-kind-hint`}
                      value={kind}
                      onChange={(e) => {
                        if (isTrajectoryKind(e.currentTarget.value)) setKind(e.currentTarget.value);
                      }}
                    >
                      {TRAJECTORY_KINDS.map((k) => (
                        <option key={k.value} value={k.value}>
                          {k.label}
                        </option>
                      ))}
                    </Select>
                  </Field>
                  <Hint id={`${idPrefix}-kind-hint`}>
                    Expert demos seed the tasks&apos; strategy graphs; rollouts are sampled attempts to score.
                  </Hint>
                </div>
              ) : null}
            </div>

            <fieldset className="space-y-3 rounded-md border border-slate-200 p-3">
              <legend className="px-1 text-sm font-medium text-slate-700">
                What to upload — a folder, or one file
              </legend>
              <div className="grid gap-4 sm:grid-cols-2">
                <div>
                  <Field label="Folder">
                    <input
                      ref={folderInput}
                      aria-describedby={`${idPrefix}-folder-hint`}
                      type="file"
                      multiple
                      {...FOLDER_PICKER_ATTRIBUTES}
                      onChange={onFolderChange}
                      className={FILE_INPUT_CLASS}
                    />
                  </Field>
                  <Hint id={`${idPrefix}-folder-hint`}>
                    Every file of the folder is sent with its path inside it.
                  </Hint>
                </div>
                <div>
                  <Field label="Zip archive or JSON file">
                    <input
                      ref={archiveInput}
                      aria-describedby={`${idPrefix}-archive-hint`}
                      type="file"
                      accept=".zip,.json,application/zip,application/json"
                      onChange={onArchiveChange}
                      className={FILE_INPUT_CLASS}
                    />
                  </Field>
                  <Hint id={`${idPrefix}-archive-hint`}>A .zip of the folder, or a single .json file.</Hint>
                </div>
              </div>
              <p className="text-sm text-slate-600" aria-live="polite" data-testid="import-selection">
                {source ? <>Selected: {describeSource(source)}</> : 'Nothing selected yet.'}
              </p>
            </fieldset>

            {formError ? <ErrorMessage>{formError}</ErrorMessage> : null}
            {upload.isError ? <ErrorMessage>{upload.error.message}</ErrorMessage> : null}
            {upload.isPending ? <ProgressBar value={uploadFraction} label="Uploading" /> : null}

            <div className="flex items-center gap-2">
              <Button type="submit" disabled={upload.isPending}>
                {upload.isPending ? 'Uploading…' : 'Start import'}
              </Button>
              {upload.isPending ? (
                <Button type="button" variant="secondary" onClick={() => uploadAbort.current?.abort()}>
                  Cancel upload
                </Button>
              ) : null}
            </div>
          </form>
        </Card>

        {jobId ? (
          <Card title="Current import">
            <ImportJobProgress key={jobId} jobId={jobId} />
          </Card>
        ) : null}

        <RecentImports />
      </div>

      <aside aria-label="Import help" className="space-y-3">
        <Card title="From the command line">
          <div className="space-y-3 text-sm text-slate-700">
            <p>The same imports run from a shell on the server, reading the files in place:</p>
            <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded-md bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100">
              <code>
                {'npx core-curator import webvoyager <folder>\n'}
                {'npx core-curator import webarena-tasks <file.json>'}
              </code>
            </pre>
            <p className="text-xs text-slate-500">
              Add <code className="font-mono">--kind rollout</code> to import WebVoyager runs as rollouts (the
              default is expert demos).
            </p>
            <p className="text-xs text-slate-500">
              Re-importing the same data changes nothing: tasks and trajectories are matched by their ids and
              content.
            </p>
          </div>
        </Card>
      </aside>
    </div>
  );
}
