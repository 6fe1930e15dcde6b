import * as tf from '@tensorflow/tfjs-core';
// Types only: brings the declarations of the chained methods (t.reshape(), t.add(), ...).
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

/**
 * The CommonJS build of @tensorflow/tfjs-core that Node loads leaves the chained tensor methods out
 * (the @tensorflow/tfjs umbrella adds them); this installs them once, each calling the public op.
 */
const SAME_NAME = (
  'abs acos acosh add all any argMax argMin asin asinh atan atanh batchNorm batchToSpaceND broadcastTo cast ceil ' +
  'clipByValue cos cosh cumprod cumsum depthToSpace div divNoNan dot elu equal erf euclideanNorm exp expandDims ' +
  'floor floorDiv gather greater greaterEqual isFinite isInf isNaN leakyRelu less lessEqual log logSigmoid ' +
  'logSoftmax logSumExp logicalAnd logicalNot logicalOr logicalXor matMul max maximum mean min minimum mirrorPad ' +
  'mod mul neg norm notEqual oneHot onesLike pad pow prelu prod reciprocal relu reshape reverse round rsqrt selu ' +
  'sigmoid sign sin sinh slice softmax softplus spaceToBatchND split sqrt square squaredDifference squeeze step ' +
  'stridedSlice sub sum tan tanh tile topk transpose unique unstack zerosLike'
).split(' ');

type AnyFn = (...args: unknown[]) => unknown;

function install(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, AnyFn>;
  const ops = tf as unknown as Record<string, AnyFn>;
  if (typeof proto.reshape === 'function') return;
  for (const name of SAME_NAME) {
    const op = ops[name];
    if (typeof op === 'function') proto[name] = function (this: tf.Tensor, ...args: unknown[]) { return op(this, ...args); };
  }
  const extra: Record<string, AnyFn> = {
    toFloat(this: tf.Tensor) { return tf.cast(this, 'float32'); },
    toInt(this: tf.Tensor) { return tf.cast(this, 'int32'); },
    toBool(this: tf.Tensor) { return tf.cast(this, 'bool'); },
    asType(this: tf.Tensor, ...a: unknown[]) { return tf.cast(this, a[0] as tf.DataType); },
    asScalar(this: tf.Tensor) { return tf.reshape(this, []); },
    as1D(this: tf.Tensor) { return tf.reshape(this, [-1]); },
    flatten(this: tf.Tensor) { return tf.reshape(this, [this.size]); },
    reshapeAs(this: tf.Tensor, ...a: unknown[]) { return tf.reshape(this, (a[0] as tf.Tensor).shape); },
    concat(this: tf.Tensor, ...a: unknown[]) {
      const others = Array.isArray(a[0]) ? (a[0] as tf.Tensor[]) : [a[0] as tf.Tensor];
      return tf.concat([this, ...others], a[1] as number | undefined);
    },
    stack(this: tf.Tensor, ...a: unknown[]) {
      const others = Array.isArray(a[0]) ? (a[0] as tf.Tensor[]) : [a[0] as tf.Tensor];
      return tf.stack([this, ...others], a[1] as number | undefined);
    },
    where(this: tf.Tensor, ...a: unknown[]) { return tf.where(a[0] as tf.Tensor, this, a[1] as tf.Tensor); },
  };
  Object.assign(proto, extra);
}

install();
