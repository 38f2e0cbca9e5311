// Downscale a phone photo before it is stored or sent (bandwidth only: the server
// still normalises every photo, because old phones send originals).
const LONG_EDGE = 1600;
const QUALITY = 0.82;

export async function downscale(file) {
  if (!("createImageBitmap" in self)) return file;
  try {
    const probe = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, LONG_EDGE / Math.max(probe.width, probe.height));
    const width = Math.round(probe.width * scale);
    const height = Math.round(probe.height * scale);
    probe.close();
    const bitmap = await createImageBitmap(file, {
      imageOrientation: "from-image", resizeWidth: width, resizeHeight: height,
      resizeQuality: "high",
    });
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    if (!blob || blob.size >= file.size) return file;
    const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
    return new File([blob], name, { type: "image/jpeg" });
  } catch {
    return file; // the server decides (and explains) what it cannot read
  }
}
