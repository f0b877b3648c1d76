/** Messages between the guard screen and the camera Web Worker. */
export interface FrameRequest {
  id: number;
  width: number;
  height: number;
  /** RGBA pixels (canvas ImageData), transferred, not copied. */
  rgba: ArrayBuffer;
}

export type FrameReply =
  | {
      id: number;
      text: string | null;
      ms: number;
      /** The decoder pass that read the text ("zxing", "zbar-half-2", ...). */
      decoder: string | null;
      /** Two different codes were read in this frame: neither was taken. */
      conflict?: number;
      /** The frame was not decoded (empty or truncated): why. */
      rejected?: string;
    }
  | { id: number; error: string };
