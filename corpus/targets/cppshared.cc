/*
 * cppshared: a C++ service as written today: sessions kept through
 * std::make_shared, timers of a template class, handlers in nested
 * namespaces, worker threads started with std::thread.
 *
 *   cppshared [COUNT]     (default 20000)
 *
 * Allocates COUNT app::Session through std::make_shared (one chunk each:
 * the shared_ptr control block holding the session), COUNT/2
 * Timeout<int> and COUNT/4 net::http::Handler with new (classes with
 * virtual functions), and starts two threads running a lambda and one
 * running a plain function (std::thread keeps each one's state on the
 * heap while it runs). Reports:
 *   ready pid=N sessions=COUNT timeouts=COUNT/2 handlers=COUNT/4
 *         lambda_threads=2 fn_threads=1
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>
#include <unistd.h>

extern "C" {
#include "target.h"
}

namespace app {
class Session {
public:
	explicit Session(int id) : id_(id) { std::strcpy(user_, "anonymous"); }
	int id() const { return id_; }

private:
	int id_;
	char user_[52];
};
} // namespace app

template <typename T> class Timeout {
public:
	explicit Timeout(T v) : value_(v) {}
	virtual ~Timeout() {}
	virtual T value() const { return value_; }

private:
	T value_;
	long deadline_ = 0;
};

namespace net {
namespace http {
class Handler {
public:
	virtual ~Handler() {}
	virtual int handle() { return 200; }
	char path_[40] = "/";
};
} // namespace http
} // namespace net

static void worker()
{
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 20000;
	std::vector<std::shared_ptr<app::Session>> sessions;
	std::vector<void *> keep;
	unsigned long i;

	sessions.reserve(n);
	keep.reserve(n);
	for (i = 0; i < n; i++) {
		sessions.push_back(std::make_shared<app::Session>((int)i));
		if (i % 2 == 0)
			keep.push_back(new Timeout<int>((int)i));
		if (i % 4 == 0)
			keep.push_back(new net::http::Handler());
	}
	for (i = 0; i < 2; i++)
		std::thread([] {
			for (;;)
				pause();
		}).detach();
	std::thread(worker).detach();
	target_ready("sessions=%lu timeouts=%lu handlers=%lu lambda_threads=2 "
		     "fn_threads=1",
		     n, (n + 1) / 2, (n + 3) / 4);
	target_wait();
	return 0;
}
