/* test_cuda_peer_cases.c - tests/test_peer_cases.c on the CUDA backend:
 * the same cases, graded the same way (the grading's products stay on the
 * CPU).  Skips (exit 77) without a GPU or without the backend compiled in. */
#define JG_PEER_BACKEND "cuda"
#include "test_peer_cases.c"
