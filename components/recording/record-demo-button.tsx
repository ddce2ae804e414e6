'use client';
/**
 * "Record a demo" on a task: starts a recording session (`recordings.start`) and opens its page. A
 * person with a session open already is offered to resume it instead.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

export function RecordDemoButton({ taskId }: { taskId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const mine = useQuery(trpc.recordings.mine.queryOptions());
  const start = useMutation(
    trpc.recordings.start.mutationOptions({
      onSuccess: ({ sessionId }) => router.push(`/record/${sessionId}`),
    }),
  );
  const open = mine.data;
  return (
    <div className="flex flex-col items-end gap-1">
      {open ? (
        <Link
          href={`/record/${open.sessionId}`}
          className="text-sm font-medium text-indigo-700 hover:underline"
        >
          Resume your recording in progress
        </Link>
      ) : (
        <Button onClick={() => start.mutate({ taskId })} disabled={start.isPending || start.isSuccess}>
          {start.isPending || start.isSuccess ? 'Starting…' : 'Record a demo'}
        </Button>
      )}
      {start.error ? <ErrorMessage>{start.error.message}</ErrorMessage> : null}
    </div>
  );
}
