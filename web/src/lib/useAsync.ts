import { ref, type Ref } from "vue";
import { problemMessage } from "../api/problem";

/** Loading/error/data state of one async source, for clear loading, empty and error states. */
export function useAsync<T>(loader: () => Promise<T>) {
  const data = ref<T | null>(null) as Ref<T | null>;
  const loading = ref(false);
  const error = ref("");
  let seq = 0;
  async function reload(): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    error.value = "";
    try {
      const value = await loader();
      if (mine === seq) data.value = value;
    } catch (e) {
      if (mine === seq) error.value = problemMessage(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  return { data, loading, error, reload };
}
