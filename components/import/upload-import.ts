/**
 * Browser side of `POST /api/import` (see app/api/import/route.ts): sends the multipart form with
 * XMLHttpRequest so the page can show upload progress, and resolves with the id of the job that
 * imports the staged upload.
 */

export const IMPORT_FORMATS = [
  {
    value: 'webvoyager',
    label: 'WebVoyager runs',
    description: 'WebVoyager runs: a folder of run folders with interact_messages.json + screenshot{i}.png',
  },
  {
    value: 'webarena-tasks',
    label: 'WebArena / VisualWebArena task configs',
    description: 'WebArena / VisualWebArena task-config JSON',
  },
] as const;
export type ImportFormatValue = (typeof IMPORT_FORMATS)[number]['value'];

export const TRAJECTORY_KINDS = [
  { value: 'expert', label: 'Expert demos' },
  { value: 'rollout', label: 'Rollouts' },
] as const;
export type TrajectoryKindValue = (typeof TRAJECTORY_KINDS)[number]['value'];

/** What the user picked: a folder (every file with its folder-relative path) or one file. */
export type ImportSource = { type: 'folder'; name: string; files: File[] } | { type: 'archive'; file: File };

export const NO_SOURCE_MESSAGE = 'Choose a folder, a .zip archive or a JSON file to import.';

export function buildImportForm(params: {
  format: ImportFormatValue;
  kind: TrajectoryKindValue;
  source: ImportSource;
}): FormData {
  const form = new FormData();
  form.append('format', params.format);
  if (params.format === 'webvoyager') form.append('kind', params.kind);
  if (params.source.type === 'archive') {
    form.append('archive', params.source.file, params.source.file.name);
  } else {
    for (const file of params.source.files) {
      form.append('files', file, file.name);
      form.append('paths', file.webkitRelativePath || file.name);
    }
  }
  return form;
}

function errorOf(body: unknown): string | null {
  if (body && typeof body === 'object' && 'error' in body && typeof body.error === 'string')
    return body.error;
  return null;
}

function jobIdOf(body: unknown): string | null {
  if (body && typeof body === 'object' && 'jobId' in body && typeof body.jobId === 'string')
    return body.jobId;
  return null;
}

/**
 * Uploads `form` and resolves with the job id. Rejects with the server's `{ error }` message
 * (400/401/403/413) or a readable fallback. `signal` aborts the upload.
 */
export function uploadImport(
  form: FormData,
  options: { onProgress: (fraction: number) => void; signal?: AbortSignal },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/import');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) options.onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      const jobId = jobIdOf(body);
      if (xhr.status >= 200 && xhr.status < 300 && jobId) {
        resolve(jobId);
        return;
      }
      const fallback =
        xhr.status === 413 ? 'The upload is too large.' : `The upload failed (HTTP ${xhr.status}).`;
      reject(new Error(errorOf(body) ?? fallback));
    };
    xhr.onerror = () => reject(new Error('The upload failed: the server could not be reached.'));
    xhr.onabort = () => reject(new Error('Upload cancelled.'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
