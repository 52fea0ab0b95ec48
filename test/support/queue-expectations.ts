/**
 * What every row of the queue table (`shared/config/queues.ts`) must give, in the synthesized stack
 * and in local mode: used by `test/infra/queues.test.ts` for today's rows and by
 * `test/infra/adding-a-queue.test.ts` after the edit `docs/adding-a-queue.md` shows.
 */
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { expect } from 'vitest';
import { functionEntries, workerOf } from '#lib/functions.ts';
import { ENV } from '#shared/config/names.ts';
import { MESSAGE_RETENTION_DAYS, queueEntries } from '#shared/config/queues.ts';
import { buildStack } from './stack.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type Statement = { Action: string | string[]; Resource: unknown };

/**
 * Builds the stack and checks, for every row of the queue table: the queue and its dead-letter
 * queue with the row's kind and limits; the event source to its one worker, whose timeout fits the
 * visibility timeout six times; the URL variable and grants of the worker and of every sender; the
 * alarm and the dashboard line; the ops outputs; the local queue.
 */
export async function expectEveryRowBuilt(): Promise<void> {
  const { stack, template } = buildStack();
  const resources = template.toJSON().Resources as Resources;
  const outputs = Object.keys(template.toJSON().Outputs as object);
  const idOf = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  /** The statements of a function's role policies, as `action resource` lines. */
  const grantsOf = (fn: IConstruct) => {
    const role = idOf((fn as unknown as { role: IConstruct }).role);
    return Object.values(resources)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(role),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((st) =>
        [st.Action]
          .flat()
          .flatMap((a) => [st.Resource].flat().map((res) => `${a} ${JSON.stringify(res)}`)),
      );
  };
  const onQueue = (action: string, queueId: string) =>
    `${action} {"Fn::GetAtt":["${queueId}","Arn"]}`;
  const dashboard = JSON.stringify(
    Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard'),
  );
  const { localQueues } = await import('#shared/adapters/local/local-queues.ts');

  for (const [name, spec] of queueEntries()) {
    const built = stack.queues[name];
    const queueId = idOf(built.queue);
    const dlqId = idOf(built.deadLetterQueue);
    expect(resources[queueId]?.Properties, name).toMatchObject({
      ...(spec.fifo ? { FifoQueue: true } : {}),
      VisibilityTimeout: spec.visibilitySeconds,
      MessageRetentionPeriod: MESSAGE_RETENTION_DAYS * 86_400,
      KmsMasterKeyId: { 'Fn::GetAtt': [idOf(stack.queueKey), 'Arn'] },
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: spec.maxReceives,
      },
    });
    expect(resources[dlqId]?.Properties, name).toMatchObject({
      ...(spec.fifo ? { FifoQueue: true } : {}),
      MessageRetentionPeriod: MESSAGE_RETENTION_DAYS * 86_400,
    });
    if (!spec.constructPath) expect(queueId).toMatch(/^[A-Z][A-Za-z]+Queue[0-9A-F]{8}$/);

    // Its one worker: fed one message at a time, may postpone one, knows the queue's URL.
    const worker = stack.functions[workerOf(name)];
    const workerProps = resources[idOf(worker)]?.Properties as Record<string, unknown>;
    const mapping = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties.EventSourceArn).includes(queueId),
    );
    expect(
      mapping.map((m) => m.Properties),
      name,
    ).toEqual([
      expect.objectContaining({
        FunctionName: { Ref: idOf(worker) },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    ]);
    expect(spec.visibilitySeconds, name).toBeGreaterThanOrEqual(
      6 * (workerProps.Timeout as number),
    );
    expect(grantsOf(worker), name).toContain(onQueue('sqs:ChangeMessageVisibility', queueId));
    const urlOf = (fn: IConstruct) =>
      (resources[idOf(fn)]?.Properties.Environment as { Variables: Record<string, unknown> })
        ?.Variables[ENV[spec.url]];
    expect(urlOf(worker), name).toEqual({ Ref: queueId });

    // Every sender: the URL and SendMessage on this queue.
    const senders = functionEntries().filter(([, f]) => f.sendsTo?.includes(name));
    for (const [sender] of senders) {
      expect(urlOf(stack.functions[sender]), `${sender} → ${name}`).toEqual({ Ref: queueId });
      expect(grantsOf(stack.functions[sender]), `${sender} → ${name}`).toContain(
        onQueue('sqs:SendMessage', queueId),
      );
    }

    // On call: an alarm on the first dead letter, saying what they are; a dashboard line.
    const alarm = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::CloudWatch::Alarm' &&
        JSON.stringify(r.Properties.Dimensions).includes(dlqId),
    );
    expect(alarm?.Properties.Threshold, name).toBe(0);
    expect(JSON.stringify(alarm?.Properties.AlarmDescription), name).toContain(spec.holds);
    expect(dashboard, name).toContain(spec.holds);
    expect(outputs, name).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/QueueArn$/),
        expect.stringMatching(/DlqArn$/),
      ]),
    );

    // Local mode: the same queue, with the same kind and limits.
    expect(localQueues[name]?.options, name).toMatchObject({
      fifo: spec.fifo,
      visibilityTimeoutSeconds: spec.visibilitySeconds,
    });
  }
}
