/**
 * What the backward passes of {@link org.jpac.Pac} (and of the layers and
 * {@code org.jpac.nn.StdOps}) return: one record per operation family, holding the
 * gradients asked for ({@link org.jpac.Grad}) and null for the others. Each record
 * is {@link java.lang.AutoCloseable} and closes the tensors it holds.
 */
package org.jpac.grad;
