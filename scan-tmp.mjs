import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
const c = new DynamoDBClient({ endpoint: process.argv[2], region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
let key; const out = [];
do { const r = await c.send(new ScanCommand({ TableName: 'sync_state', ExclusiveStartKey: key, FilterExpression: 'begins_with(sk, :r)', ExpressionAttributeValues: { ':r': { S: 'RECON' } } })); out.push(...r.Items); key = r.LastEvaluatedKey; } while (key);
const bad = out.filter(i => i.outcome && i.outcome.S !== 'completed');
console.log(out.length, 'recon items;', bad.length, 'not completed');
for (const i of bad.slice(0,5)) console.log(JSON.stringify(i).slice(0,400));
const locks = out.filter(i => i.sk.S.startsWith('RECONLOCK')); console.log('locks', locks.length, JSON.stringify(locks.slice(0,3)).slice(0,600));
