/**
 * Losses, always averaged over the rows whose mask is 1 (padding rows carry mask 0):
 *   'mse': 0.5 * sum_j (y_ij - t_ij)^2, averaged over rows  (targets [batch, outputs])
 *   'ce' : softmax cross-entropy logsumexp(y_i) - y_i[label_i]   (targets: labels [batch] as float)
 */
export type LossKind = 'mse' | 'ce';
