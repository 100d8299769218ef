/** Canned server bodies that satisfy the views. */
export const devboxView = {
  id: 'dbx_1',
  status: 'running',
  create_time_ms: 1,
  end_time_ms: null,
  capabilities: [],
  launch_parameters: {},
  metadata: {},
  state_transitions: [],
};

export const executionView = { devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'completed', exit_status: 0 };
export const execDetail = { devbox_id: 'dbx_1', exit_status: 0, stdout: 'ok', stderr: '' };
export const snapshotView = { id: 'snp_1', create_time_ms: 1, metadata: {}, source_devbox_id: 'dbx_1' };
export const tunnelView = {
  auth_mode: 'open',
  create_time_ms: 1,
  http_keep_alive: true,
  tunnel_key: 'k',
  wake_on_http: false,
};
export const blueprintView = {
  id: 'bpt_1',
  name: 'py',
  create_time_ms: 1,
  parameters: { name: 'py' },
  state: 'created',
  status: 'queued',
};
export const objectView = { id: 'obj_1', name: 'a.txt', content_type: 'text', create_time_ms: 1, state: 'UPLOADING' };
