/**
 * jpac: pixel-adaptive convolution (Su et al., CVPR 2019) for Java, over a
 * native C++ core.
 *
 * <ul>
 *   <li>{@link org.jpac.Tensor}: a float32 NCHW (or 6-D kernel) view of a
 *       {@link java.lang.foreign.MemorySegment}; owned or wrapped; AutoCloseable.</li>
 *   <li>{@link org.jpac.Pac}: the operations (kernel2d, conv2d, convTranspose2d,
 *       pool2d, their guided forms, the plain-convolution baseline), each with a
 *       backward. Shapes are checked in Java first; messages name the argument.</li>
 *   <li>{@link org.jpac.PacOptions}, {@link org.jpac.KernelType},
 *       {@link org.jpac.SmoothKernel}: options in the reference code's notation.</li>
 *   <li>{@link org.jpac.PacConv2d}, {@link org.jpac.PacConvTranspose2d},
 *       {@link org.jpac.PacPool2d}: layers holding parameters and gradients.</li>
 *   <li>{@link org.jpac.grad}: what the backward passes return (gradients per
 *       operation family), each record closeable.</li>
 *   <li>{@link org.jpac.Jpac}: versions, backend choice ({@code jpac.backend} /
 *       {@code JPAC_BACKEND}: auto, cpu, cuda), threads, scratch memory.</li>
 * </ul>
 *
 * <p>Errors: {@link java.lang.NullPointerException} for a missing required
 * tensor, {@link java.lang.IllegalStateException} for a closed one,
 * {@link java.lang.IllegalArgumentException} for any other bad argument
 * (also when the native layer reports INVALID_ARGUMENT), and
 * {@link org.jpac.JpacException} for the other native failures.
 *
 * <p>Thread-safety: the static operations are thread-safe; a tensor may be read
 * by several threads or written by one; layers are for one thread at a time.
 */
package org.jpac;
