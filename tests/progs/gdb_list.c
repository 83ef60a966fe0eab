/* For play --gdb: a linked list on the heap whose third node's key is
 * overwritten late, after the list was built and walked (tests/gdb.bats:
 * watch -l node->key at the end, then reverse-continue finds the write). */
#include <stdio.h>
#include <stdlib.h>

struct node {
	int key;
	struct node *next;
};

static struct node *push(struct node *head, int key)
{
	struct node *n = malloc(sizeof *n);
	if (!n)
		exit(1);
	n->key = key;
	n->next = head;
	return n;
}

static int sum(const struct node *n)
{
	int s = 0;
	for (; n; n = n->next)
		s += n->key;
	return s;
}

static void relabel(struct node *n, int key)
{
	n->key = key;
}

static void done(const struct node *node)
{
	printf("done: key=%d\n", node->key);
}

int main(void)
{
	struct node *head = NULL;
	for (int i = 1; i <= 10; i++)
		head = push(head, i);
	for (int pass = 1; pass <= 3; pass++)
		printf("pass %d: sum=%d\n", pass, sum(head));
	struct node *third = head->next->next;
	relabel(third, 100);
	printf("after relabel: sum=%d\n", sum(head));
	done(third);
	return 0;
}
