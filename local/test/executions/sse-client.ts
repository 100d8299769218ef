/**
 * A minimal SSE reader for tests: events of a `fetch` response body, as
 * they arrive (no buffering of the whole stream).
 */
export interface TestSseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Yields each event of an SSE response body. */
export async function* sseEvents(response: Response): AsyncGenerator<TestSseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      yield { event, data: data.join('\n') };
    }
  }
}

/** Opens an output stream of an execution. */
export function openStream(
  url: string,
  token: string,
  devboxId: string,
  executionId: string,
  name: 'stdout' | 'stderr',
  offset: number,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}/v1/devboxes/${devboxId}/executions/${executionId}/stream_${name}_updates?offset=${offset}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal,
  });
}
