"""Vietnamese for what mlcore and the jobs say in English (machine words stay English in the API
and logs; people read these): job reasons and modes, the runtime, the gate's reasons."""
from __future__ import annotations

import re

JOB_REASONS = {"created": "đăng mới", "edited": "sửa tin", "retag": "gắn lại (mô hình mới)",
               "import": "nhập hàng loạt"}
MODES = {"multimodal": "văn bản + ảnh", "text-only": "chỉ văn bản"}

_RUNTIME = [("onnxruntime, no PyTorch", "ONNX Runtime, không dùng PyTorch"), ("onnxruntime", "ONNX Runtime"),
            ("pytorch", "PyTorch"), ("text ", "văn bản "), ("image ", "ảnh ")]
_GATE = [(r"^wins nowhere$", "không tốt hơn ở đâu"),
         (r"^wins on ", "tốt hơn trên "), (r"^holds on ", "giữ được trên "), (r"^loses on ", "kém hơn trên "),
         (r"text \+ photo pairs, visual tags", "cặp văn bản + ảnh, đặc điểm nhìn thấy được"),
         (r"text \+ photo pairs, other tags", "cặp văn bản + ảnh, các đặc điểm khác"),
         (r"photos", "ảnh"), (r"text", "văn bản"), (r" vs ", " so với ")]


def job_reason(reason: str) -> str:
    return JOB_REASONS.get(reason, reason)


def mode(value: str) -> str:
    return MODES.get(value, value)


def runtime(name: str) -> str:
    for english, vietnamese in _RUNTIME:
        name = name.replace(english, vietnamese)
    return name


def gate_reason(reason: str) -> str:
    for pattern, vietnamese in _GATE:
        reason = re.sub(pattern, vietnamese, reason)
    return reason
