import { ref, type Ref } from "vue";
import { ApiProblem, problemMessage } from "../api/problem";

/** Loading/error/data state of one async source, for clear loading, empty and error states. */
export function useAsync<T>(loader: () => Promise<T>) {
  const data = ref<T | null>(null) as Ref<T | null>;
  const loading = ref(false);
  const error = ref("");
  const code = ref("");
  let seq = 0;
  async function reload(): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    error.value = "";
    code.value = "";
    try {
      const value = await loader();
      if (mine === seq) data.value = value;
    } catch (e) {
      if (mine === seq) {
        error.value = problemMessage(e);
        code.value = e instanceof ApiProblem ? e.code : "";
      }
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  return { data, loading, error, code, reload };
}
