// Notifications: Provider, Alert, Receiver (shown when the cluster serves them).

import type { ViewState } from '../shared/state';
import { KindsModel } from '../sources/kindsModel';

export const NOTIFICATIONS_VIEW = 'fluxWorkbench.notifications';

export function notificationsModel(state: ViewState): KindsModel {
  return new KindsModel(state, NOTIFICATIONS_VIEW, ['notification']);
}
