namespace Acme {
    interface IRunner { void Run(); }
    class Program : IRunner {
        public void Run() { Helper(); }
        static void Helper() { }
    }
}
