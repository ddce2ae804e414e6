'use client';
/** Researcher view of strategy-graph growth per iteration: nodes / edges / paths, and categories. */
import { useSuspenseQuery } from '@tanstack/react-query';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { useTRPC } from '@/lib/trpc/client';

export function GraphGrowth() {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.insights.growth.queryOptions({}));
  if (data.graphs.length === 0) {
    return (
      <div>
        <PageHeader title="Graph growth" />
        <EmptyState title="No iterations yet">Import data and strategy graphs first.</EmptyState>
      </div>
    );
  }
  return (
    <div className="space-y-5">
      <PageHeader
        title="Graph growth"
        subtitle="All tasks, per iteration: each task counts with its newest graph version of that iteration or before. Paths are counted by dynamic programming."
      />
      <div className="grid gap-5 lg:grid-cols-2">
        <Card title="Nodes, edges and paths">
          <div className="h-72" data-testid="growth-chart">
            <ResponsiveContainer>
              <LineChart data={data.graphs}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  dataKey="iteration"
                  label={{ value: 'iteration', position: 'insideBottom', offset: -2 }}
                />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Line type="monotone" dataKey="nodes" stroke="#6366f1" />
                <Line type="monotone" dataKey="edges" stroke="#0ea5e9" />
                <Line type="monotone" dataKey="paths" stroke="#059669" />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </Card>
        <Card title="Trajectory categories">
          <div className="h-72">
            <ResponsiveContainer>
              <BarChart data={data.categories}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="iteration" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="fully_passed" name="Fully Passed" stackId="c" fill="#10b981" />
                <Bar dataKey="partially_passed" name="Partially Passed" stackId="c" fill="#f59e0b" />
                <Bar dataKey="failed" name="Failed" stackId="c" fill="#f43f5e" />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </Card>
      </div>
      <Card title="Per iteration">
        <table aria-label="Graph growth per iteration" className="w-full text-left text-sm">
          <TableHead
            columns={[
              'Iteration',
              'Tasks with graphs',
              'Nodes',
              'Edges',
              'Paths',
              'Fully',
              'Partially',
              'Failed',
            ]}
          />
          <tbody className="divide-y divide-slate-100 tabular-nums">
            {data.graphs.map((g, i) => (
              <tr key={g.iteration}>
                <td className="py-1.5 pr-4">{g.iteration}</td>
                <td className="py-1.5 pr-4">{g.tasksWithGraphs}</td>
                <td className="py-1.5 pr-4">{g.nodes}</td>
                <td className="py-1.5 pr-4">{g.edges}</td>
                <td className="py-1.5 pr-4">{g.paths.toLocaleString()}</td>
                <td className="py-1.5 pr-4">{data.categories[i]?.fully_passed ?? 0}</td>
                <td className="py-1.5 pr-4">{data.categories[i]?.partially_passed ?? 0}</td>
                <td className="py-1.5 pr-4">{data.categories[i]?.failed ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
