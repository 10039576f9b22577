// Local task handlers for the embedded Step Functions engine (executions-mcp --local).
//
// Keys are Task `Resource` ARNs. For `arn:aws:states:::lambda:invoke` the key may also be the
// FunctionName (name or ARN); the handler then receives the `Payload` and its return value
// becomes `Payload` of the task result. Throw an Error whose `name` is the ASL error name
// (matched by Retry/Catch); for Lambda functions the Cause is {"errorMessage": message,
// "errorType": name}, as Lambda reports it, for other resources the message itself.
// The first argument is a copy of the task input (changing it changes nothing else); the second
// carries { stateName, resource, executionArn, executionName, stateMachineArn, signal } (signal
// aborts when the execution is stopped).
// console output from handlers goes to stderr (on stdio, stdout carries the MCP protocol).

class PaymentDeclined extends Error {
  name = 'PaymentDeclined';
}
class PaymentGatewayTimeout extends Error {
  name = 'PaymentGatewayTimeout';
}
class CardExpired extends Error {
  name = 'CardExpired';
}
class UnsupportedDestination extends Error {
  name = 'UnsupportedDestination';
}

// Attempts per execution, so a "flaky" card succeeds on its third try.
const attempts = new Map();

export default {
  'arn:aws:lambda:us-east-1:123456789012:function:validate-order': async (order) => {
    if (!Array.isArray(order.items) || order.items.length === 0) throw new Error('an order needs at least one item');
    const total = order.items.reduce((sum, item) => sum + item.qty * item.price, 0);
    return { ...order, total: Math.round(total * 100) / 100, validatedAt: new Date().toISOString() };
  },

  'reserve-inventory': async (item) => ({
    sku: item.sku,
    qty: item.qty,
    warehouse: item.sku.startsWith('book') ? 'DUB-1' : 'FRA-2',
    reserved: true,
  }),

  'arn:aws:states:::dynamodb:putItem': async () => ({ SdkHttpMetadata: { HttpStatusCode: 200 } }),

  'arn:aws:lambda:us-east-1:123456789012:function:charge-card': async (payment, context) => {
    const n = (attempts.get(context.executionArn) ?? 0) + 1;
    attempts.set(context.executionArn, n);
    switch (payment.card) {
      case 'declined':
        throw new PaymentDeclined(`card ending 4242 declined for ${payment.amount} EUR`);
      case 'expired':
        throw new CardExpired('card expired in 03/2024');
      case 'flaky':
        if (n < 3) throw new PaymentGatewayTimeout(`gateway did not answer within 5 s (attempt ${n})`);
        break;
      default:
        break;
    }
    attempts.delete(context.executionArn);
    return { chargeId: `ch_${context.executionName.slice(0, 8)}`, amount: payment.amount, attempts: n };
  },

  'arn:aws:states:::sns:publish': async (params) => ({ MessageId: `msg-${params.TopicArn.split(':').pop()}` }),

  'arn:aws:lambda:us-east-1:123456789012:function:build-report': async (input) => ({
    key: `reports/${input.reportDate.slice(0, 10)}.json`,
    summary: `orders, payments and shipments for ${input.reportDate.slice(0, 10)}`,
  }),

  'arn:aws:states:::s3:putObject': async () => ({ ETag: '"local"' }),

  'arn:aws:lambda:us-east-1:123456789012:function:book-courier': async (shipment) => ({
    courier: 'ParcelFox',
    pickup: 'tomorrow 09:00',
    orderId: shipment.orderId,
  }),

  'arn:aws:lambda:us-east-1:123456789012:function:print-label': async (shipment) => {
    const served = ['IE', 'DE', 'FR', 'NL', 'US'];
    const country = shipment.destination?.country;
    if (!served.includes(country)) throw new UnsupportedDestination(`ParcelFox does not deliver to "${country ?? 'unknown'}"`);
    return { labelUrl: `https://labels.example/${shipment.orderId}.pdf` };
  },
};
