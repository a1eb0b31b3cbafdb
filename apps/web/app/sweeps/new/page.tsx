import { NewSweepForm } from "../../components/new-sweep-form.tsx";

export default function NewSweepPage() {
  return <NewSweepForm />;
}
