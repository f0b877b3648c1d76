/** Messages between the guard screen and the camera Web Worker. */
export interface FrameRequest {
  id: number;
  width: number;
  height: number;
  /** RGBA pixels (canvas ImageData), transferred, not copied. */
  rgba: ArrayBuffer;
}

export type FrameReply = { id: number; text: string | null; ms: number } | { id: number; error: string };
